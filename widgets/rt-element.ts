/**
 * What every rt element shares besides its content: the `label`, `gateway`,
 * `theme` and `stale-after` attributes, knowing whether it can be seen (and
 * skipping renders while it cannot), knowing how old its data is, and the
 * frame around the content: header (label, age, status dot), the state in
 * words, and the problem view. A new element declares its `TopicController`
 * as `data` and renders its content through `renderFrame`.
 */
import { html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { parseDuration } from './duration.js';
import { elementState, RECONNECT_WORDS_AFTER_MS, renderState, stateWords, type ElementState } from './element-state.js';
import { FreshnessController } from './freshness-controller.js';
import { renderProblem } from './problem-view.js';
import type { ThemeName } from './theme.js';
import type { TopicController } from './topic-controller.js';
import { VisibilityController } from './visibility-controller.js';
import { renderHeader } from './widget-header.js';
import { WidgetError, WidgetErrorCode } from './widget-error.js';

/** Base class of `<rt-metric>`, `<rt-chart>` and `<rt-event-log>`. */
export abstract class RtElement extends LitElement {
  /** Caption in the header; each element has its own default (its topic or topics). */
  @property() label = '';

  /** Gateway URL; defaults to `/ws` on the host that served rt.js. */
  @property() gateway = '';

  /** Colour theme: `auto` follows the page's `color-scheme`, `system` the OS; or force `light` or `dark`. */
  @property({ reflect: true }) theme?: ThemeName;

  /** Age (`30s`, `5m`…) past which the data is called stale; unset derives it from the topic's recent interval. */
  @property({ attribute: 'stale-after' }) staleAfter = '';

  /** Whether the element is in view in a visible tab; unseen elements store data but do not render it. */
  protected readonly visibility = new VisibilityController(this, (visible) => this.visibilityChanged(visible));

  /** How old the data is; reflects the `stale` attribute. */
  protected readonly freshness = new FreshnessController(this, () => this.staleAfterMs);

  /** The element's subscription; the frame reads its status, problem and error. */
  protected abstract readonly data: TopicController;

  private staleAfterMs: number | undefined;
  /** When the connection started reconnecting (performance.now()), or undefined. */
  private reconnectingSince: number | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  /** Whether the element holds data to show; `renderFrame` says "no data yet" until it does. */
  protected abstract hasData(): boolean;

  /** The state the element is in (also reflected as its `state` attribute). */
  get state(): ElementState {
    const { status, problem, error } = this.data;
    return elementState({ status, problem, error, hasData: this.hasData(), stale: this.freshness.stale });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.reconnectingSince = undefined;
  }

  /**
   * The header, the state in words, then `content` — or the problem in its
   * place. `emptyText` is what "no data yet" is called for this element.
   */
  protected renderFrame(label: string, content: () => TemplateResult, emptyText = 'no data yet'): TemplateResult {
    const { status, problem, error } = this.data;
    const state = this.state;
    const shown = problem ?? (error ? { code: error.code, message: error.message } : null);
    const words = stateWords(state, this.reconnectingForMs(state), emptyText);
    return html`<div part="base" class="base">
      ${renderHeader(this.label || label, status, shown !== null, this.freshness.ageText)}
      ${shown ? renderProblem(shown) : html`${renderState(state, words)}${content()}`}
    </div>`;
  }

  /** How long the connection has been reconnecting; schedules the update that puts it in words. */
  private reconnectingForMs(state: ElementState): number {
    if (state !== 'reconnecting') {
      this.reconnectingSince = undefined;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      return 0;
    }
    const now = performance.now();
    this.reconnectingSince ??= now;
    const elapsed = now - this.reconnectingSince;
    if (elapsed < RECONNECT_WORDS_AFTER_MS && this.reconnectTimer === undefined) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.requestUpdate();
      }, RECONNECT_WORDS_AFTER_MS - elapsed + 10);
    }
    return elapsed;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const state = this.state;
    if (this.getAttribute('state') !== state) this.setAttribute('state', state);
  }

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
