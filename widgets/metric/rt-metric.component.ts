import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { RtElement } from '../rt-element.js';
import { TopicController } from '../topic-controller.js';
import { maxRateOf, maxRateProblem } from '../max-rate.js';
import { renderProblem } from '../problem-view.js';
import { renderHeader } from '../widget-header.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import styles from './rt-metric.styles.js';

/** Shown before the first value arrives (and for messages without a numeric value). */
const NO_VALUE = '—';

/**
 * @summary Shows the latest value of one topic, formatted for the reader's
 * locale, with a label, a unit and a dot that tells whether it is live.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused the topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The label text.
 * @csspart status - The connection-status dot.
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart value - The formatted value.
 * @csspart unit - The unit text.
 * @csspart error - The error message shown instead of the value.
 *
 * @cssproperty --rt-metric-value-size - Font size of the value.
 * @cssproperty --rt-metric-value-weight - Font weight of the value.
 * @cssproperty --rt-metric-stale-opacity - Opacity of the value while the connection is not live or the data is stale.
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-ok, --rt-warn, --rt-error, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtMetric extends RtElement {
  static override styles = styles;

  /** Topic to show, e.g. `orders.per_sec`. */
  @property() topic = '';

  /** Caption above the value; defaults to the topic. */
  @property() label = '';

  /** Unit shown after the value, e.g. `req/s`. */
  @property() unit = '';

  /** Fraction digits to show (0–20); unset shows up to 2. */
  @property({ type: Number }) decimals?: number;

  /** Most updates per second to receive (the gateway conflates: the newest wins, the final value always arrives); empty = every update. */
  @property({ attribute: 'max-rate' }) maxRate = '';

  private readonly data = new TopicController(this, {
    topics: () => (this.topic ? [this.topic] : []),
    gateway: () => this.gateway,
    validate: () => this.staleAfterProblem() ?? this.decimalsProblem() ?? maxRateProblem(this.maxRate),
    maxRate: () => maxRateOf(this.maxRate),
    snapshot: () => 1,
    // Only the newest value is ever shown, so nothing older needs queueing.
    maxBuffered: () => 1,
    onMessages: (messages) => this.freshness.record(messages),
    onReset: () => this.freshness.reset(),
  });

  private format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('decimals') && !this.decimalsProblem()) {
      const digits = this.decimals;
      this.format = new Intl.NumberFormat(
        undefined,
        digits === undefined || digits === null ? { maximumFractionDigits: 2 } : { minimumFractionDigits: digits, maximumFractionDigits: digits },
      );
    }
  }

  private decimalsProblem(): WidgetError | null {
    const digits = this.decimals;
    if (digits === undefined || digits === null) return null;
    if (Number.isInteger(digits) && digits >= 0 && digits <= 20) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `decimals must be an integer from 0 to 20, got "${this.getAttribute('decimals') ?? digits}"`);
  }

  protected override render() {
    const { problem, status, latest } = this.data;
    const value = latest?.value;
    const text = typeof value === 'number' ? this.format.format(value) : NO_VALUE;
    return html`
      <div part="base" class="base">
        ${renderHeader(this.label || this.topic, status, problem !== null, this.freshness.ageText)}
        ${problem
          ? renderProblem(problem)
          : html`<div class="reading" ?data-stale=${status !== 'open' || this.freshness.stale} title=${latest ? new Date(latest.ts).toLocaleString() : nothing}>
              <span part="value" class="value">${text}</span>
              ${this.unit ? html`<span part="unit" class="unit">${this.unit}</span>` : nothing}
            </div>`}
      </div>
    `;
  }
}
