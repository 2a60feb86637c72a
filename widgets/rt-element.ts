/**
 * What every rt element shares besides its content: the `gateway`, `theme`
 * and `stale-after` attributes, knowing whether it can be seen (and skipping
 * renders while it cannot), and knowing how old its data is.
 */
import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { parseDuration } from './duration.js';
import { FreshnessController } from './freshness-controller.js';
import type { ThemeName } from './theme.js';
import { VisibilityController } from './visibility-controller.js';
import { WidgetError, WidgetErrorCode } from './widget-error.js';

/** Base class of `<rt-metric>`, `<rt-chart>` and `<rt-event-log>`. */
export abstract class RtElement extends LitElement {
  /** Gateway URL; defaults to `/ws` on the host that served rt.js. */
  @property() gateway = '';

  /** Forces the page's connection onto `websocket` or `sse` (the fallback), or `auto`; empty leaves it (see `configure`). */
  @property() transport = '';

  /** Colour theme: `auto` follows the page's `color-scheme`, `system` the OS; or force `light` or `dark`. */
  @property({ reflect: true }) theme?: ThemeName;

  /** Age (`30s`, `5m`…) past which the data is called stale; unset derives it from the topic's recent interval. */
  @property({ attribute: 'stale-after' }) staleAfter = '';

  /** Whether the element is in view in a visible tab; unseen elements store data but do not render it. */
  protected readonly visibility = new VisibilityController(this, (visible) => this.visibilityChanged(visible));

  /** How old the data is; reflects the `stale` attribute. */
  protected readonly freshness = new FreshnessController(this, () => this.staleAfterMs);

  private staleAfterMs: number | undefined;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('staleAfter')) {
      const parsed = this.staleAfter ? parseDuration(this.staleAfter) : undefined;
      this.staleAfterMs = typeof parsed === 'number' ? parsed : undefined;
    }
  }

  /** The error for an unusable `stale-after`, or null. */
  protected staleAfterProblem(): WidgetError | null {
    if (!this.staleAfter) return null;
    const parsed = parseDuration(this.staleAfter);
    if (typeof parsed === 'number') return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `stale-after must be ${parsed}, got "${this.staleAfter}"`);
  }

  /**
   * Renders only what someone can see. Attribute changes always render (they
   * may change the subscription, which must go on even off-screen); data and
   * status alone wait until the element is in view again.
   */
  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return !this.hasUpdated || changed.size > 0 || this.visibility.visible;
  }

  /** Called when the element comes into view or leaves it (after an update was requested on arrival). */
  protected visibilityChanged(_visible: boolean): void {}
}
