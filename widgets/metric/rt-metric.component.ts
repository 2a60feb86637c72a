import { html, nothing, svg, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { Message } from '../../protocol/index.js';
import { describeAge, parseDuration } from '../duration.js';
import { compileFieldPath, fieldPathProblem, readNumber } from '../field-path.js';
import { RtElement } from '../rt-element.js';
import { TopicController } from '../topic-controller.js';
import { maxRateOf, maxRateProblem } from '../max-rate.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import type { MetricExtras, TemplateTags } from './metric-extras.js';
import styles from './rt-metric.styles.js';

/** Shown before the first value arrives (and for messages without the number). */
const NO_VALUE = '—';
/** Lit's template tags for the extras chunk, which imports nothing of lit itself. */
const TAGS: TemplateTags = { html, svg, nothing };
/** Most samples asked for to fill the trend and sparkline window (the history keeps 512). */
const HISTORY_SNAPSHOT = 512;

/**
 * @summary Shows the latest value of one topic, formatted for the reader's
 * locale, with a label, a unit, thresholds said in colour and words, a trend
 * and an optional sparkline.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused the topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The label text.
 * @csspart status - The connection-status dot.
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart state - The state in words (connecting, no data yet, reconnecting); also `state-<name>`.
 * @csspart value - The formatted value.
 * @csspart unit - The unit text.
 * @csspart level - The threshold passed, in words ("critical: at or above 95").
 * @csspart trend - The change against the `trend` interval ago, with an arrow.
 * @csspart sparkline - The SVG line of the recent window.
 * @csspart error - The error message shown instead of the value.
 *
 * @cssproperty --rt-metric-value-size - Font size of the value.
 * @cssproperty --rt-metric-value-weight - Font weight of the value.
 * @cssproperty --rt-metric-stale-opacity - Opacity of the value while the connection is not live or the data is stale.
 * @cssproperty --rt-metric-sparkline-height - Height of the sparkline.
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-ok, --rt-warn, --rt-error, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtMetric extends RtElement {
  static override styles = styles;

  /** Topic to show, e.g. `orders.per_sec`. */
  @property() topic = '';

  /** Unit shown after the value, e.g. `req/s`. */
  @property() unit = '';

  /** Path into the message's `data` holding the number (`cpu.user`); unset uses the message's `value`. */
  @property() field = '';

  /** Fraction digits to show (0–20); unset shows up to 2. */
  @property({ type: Number }) decimals?: number;

  /** `compact` (1.2K), `percent` (a fraction: 0.25 → 25 %), `bytes` (kB, MB…), `duration` (milliseconds → ms, s, min, h, d); unset: plain number. */
  @property() format = '';

  /** BCP 47 locale for numbers (`de-DE`); unset uses the reader's. */
  @property() locale = '';

  /** Value at or past which the reading is a warning. */
  @property() warn = '';

  /** Value at or past which the reading is critical. */
  @property() crit = '';

  /** `above` (default: higher is worse) or `below` (lower is worse). */
  @property() direction = '';

  /** Show the change against this long ago (`1m`, `1h`), with an arrow. */
  @property() trend = '';

  /** Draw a sparkline of this recent window (`5m`). */
  @property() sparkline = '';

  /** Most updates per second to receive (the gateway conflates: the newest wins, the final value always arrives); empty = every update. */
  @property({ attribute: 'max-rate' }) maxRate = '';

  protected readonly data = new TopicController(this, {
    topics: () => (this.topic ? [this.topic] : []),
    gateway: () => this.gateway,
    validate: () => this.problem() ?? maxRateProblem(this.maxRate),
    maxRate: () => maxRateOf(this.maxRate),
    // Formats and thresholds are judged by the extras' code: wait for it (it takes a moment, once per page).
    ready: () => !this.needsExtras() || this.extras !== null || this.extrasFailed,
    // The window's worth for the trend and sparkline.
    snapshot: () => (this.historyMs() > 0 ? HISTORY_SNAPSHOT : 1),
    snapshotMs: () => (this.historyMs() > 0 ? this.historyMs() : undefined),
    maxBuffered: () => (this.historyMs() > 0 ? HISTORY_SNAPSHOT : 1),
    onMessages: (messages) => this.take(messages),
    onReset: () => {
      this.freshness.reset();
      this.extras?.history.clear();
      this.value = undefined;
      this.valueTs = 0;
    },
  });

  /** Formats, thresholds, trend and sparkline: loaded on first use. */
  private extras: MetricExtras | null = null;
  private extrasLoading = false;
  private extrasFailed = false;
  private fieldKeys: readonly string[] = [];
  private format0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  private value: number | undefined;
  private valueTs = 0;

  protected hasData(): boolean {
    return this.value !== undefined;
  }

  private ms(text: string): number {
    const parsed = text ? parseDuration(text) : 0;
    return typeof parsed === 'number' ? parsed : 0;
  }

  private needsExtras(): boolean {
    return !!(this.format || this.locale || this.warn || this.crit || this.direction || this.trend || this.sparkline);
  }

  private historyMs(): number {
    return Math.max(this.ms(this.trend), this.ms(this.sparkline));
  }

  private problem(): WidgetError | null {
    const bad = (message: string) => new WidgetError(WidgetErrorCode.BadAttribute, message);
    const stale = this.staleAfterProblem();
    if (stale) return stale;
    const fieldProblem = this.field ? fieldPathProblem(this.field) : null;
    if (fieldProblem) return bad(`field must be ${fieldProblem}, got "${this.field}"`);
    const d = this.decimals;
    if (d !== undefined && d !== null && !(Number.isInteger(d) && d >= 0 && d <= 20)) return bad(`decimals must be an integer from 0 to 20, got "${this.getAttribute('decimals') ?? d}"`);
    for (const name of ['trend', 'sparkline'] as const) {
      const parsed = this[name] ? parseDuration(this[name]) : 0;
      if (typeof parsed === 'string') return bad(`${name} must be ${parsed}, got "${this[name]}"`);
    }
    const extras = this.extras?.problem(this);
    return extras ? bad(extras) : null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!this.extras && !this.extrasLoading && this.needsExtras()) this.loadExtras();
    if (this.problem()) return;
    if (changed.has('field')) this.fieldKeys = compileFieldPath(this.field);
    if (changed.has('decimals')) {
      const d = this.decimals;
      this.format0 = new Intl.NumberFormat(undefined, d === undefined || d === null ? { maximumFractionDigits: 2 } : { minimumFractionDigits: d, maximumFractionDigits: d });
    }
    const extras = this.extras;
    if (!extras) return;
    if (['decimals', 'format', 'locale', 'warn', 'crit', 'direction'].some((name) => changed.has(name as keyof RtMetric))) {
      extras.apply(this);
      extras.updateLevel(this.value, this.label || this.topic, this.unit);
    }
  }

  private loadExtras(): void {
    this.extrasLoading = true;
    import('./metric-extras.js').then(
      ({ MetricExtras }) => {
        const extras = new MetricExtras(this);
        // Checked by the controller's validate (now that it can) before being applied.
        if (!extras.problem(this)) extras.apply(this);
        this.extras = extras;
        this.requestUpdate();
      },
      (error: Error) => {
        // Plain numbers still work without it.
        this.extrasFailed = true;
        this.requestUpdate();
        console.error(`rt: could not load the code of <rt-metric>'s formats and thresholds (chunk_failed): ${error?.message}`);
      },
    );
  }

  private take(messages: readonly Message[]): void {
    this.freshness.record(messages);
    const history = this.historyMs() > 0 ? (this.extras?.history ?? null) : null;
    for (const message of messages) {
      const value = readNumber(message, this.fieldKeys);
      if (value === undefined) continue;
      history?.add(message.ts, value);
      if (message.ts >= this.valueTs) {
        this.value = value;
        this.valueTs = message.ts;
      }
    }
    history?.prune(this.valueTs - this.historyMs());
    this.extras?.updateLevel(this.value, this.label || this.topic, this.unit);
  }

  private renderExtras(extras: MetricExtras, value: number | undefined) {
    const trendMs = this.ms(this.trend);
    return extras.render(TAGS, value, this.valueTs, trendMs, trendMs > 0 ? describeAge(trendMs) : '', this.ms(this.sparkline));
  }

  protected override render() {
    const { value, extras } = this;
    const text = value === undefined ? NO_VALUE : extras ? extras.format(value) : this.format0.format(value);
    const stale = this.data.status !== 'open' || this.freshness.stale;
    return this.renderFrame(
      this.topic,
      () => html`
        <div class="reading" ?data-stale=${stale} data-level=${extras?.level ?? 'ok'} title=${this.valueTs ? new Date(this.valueTs).toLocaleString() : nothing}>
          <span part="value" class="value">${text}</span>
          ${this.unit ? html`<span part="unit" class="unit">${this.unit}</span>` : nothing}
        </div>
        ${extras ? this.renderExtras(extras, value) : nothing}
      `,
    );
  }
}
