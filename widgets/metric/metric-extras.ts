/**
 * What `<rt-metric>` does beyond showing a number — formats, thresholds (in
 * colour, in words, announced), the trend and the sparkline — in a chunk of
 * its own, loaded the first time a metric uses one of `format`, `locale`,
 * `warn`, `crit`, `trend` or `sparkline`. A page of plain metrics never
 * downloads it.
 */
import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { Announcer } from '../announcer.js';
import { describeAge } from '../duration.js';
import { renderSparkline } from './sparkline.js';
import { levelWords, thresholdLevel, type ThresholdLevel, type Thresholds } from './thresholds.js';
import { valueFormatter, type FormatSpec } from './value-format.js';
import { ValueHistory } from './value-history.js';
import styles from './metric-extras.styles.js';

export { valueFormatter };

/** The extra state of one metric. */
export class MetricExtras {
  /** Recent values, kept while `trend` or `sparkline` is set. */
  readonly history = new ValueHistory();
  /** The threshold level of the value shown. */
  level: ThresholdLevel = 'ok';
  thresholds: Thresholds = { warn: NaN, crit: NaN, direction: 'above' };
  format: (value: number) => string = valueFormatter({ format: '', locale: '' });
  private readonly announcer: Announcer;

  constructor(host: ReactiveControllerHost & { shadowRoot: ShadowRoot | null }) {
    this.announcer = new Announcer(host);
    const root = host.shadowRoot;
    // Lit adopted the element's own sheets; these join them (every browser rt supports has adoptedStyleSheets).
    if (root && styles.styleSheet && !root.adoptedStyleSheets.includes(styles.styleSheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles.styleSheet];
  }

  /** Applies the formatting attributes (which must be valid). */
  setFormat(spec: FormatSpec): void {
    this.format = valueFormatter(spec);
  }

  /** Applies the threshold attributes (which must be valid). */
  setThresholds(warn: string, crit: string, direction: string): void {
    this.thresholds = { warn: warn === '' ? NaN : Number(warn), crit: crit === '' ? NaN : Number(crit), direction: direction || 'above' };
  }

  /**
   * Recomputes the level for `value`; a change is announced politely, at
   * most once per few seconds (a value flapping around a bound says where it
   * ended up, not every crossing).
   */
  updateLevel(value: number | undefined, label: string, unit: string): void {
    const level = value === undefined ? 'ok' : thresholdLevel(value, this.thresholds);
    if (level === this.level) return;
    this.level = level;
    const words = levelWords(level, this.thresholds, this.format);
    this.announcer.say(`${label}: ${words || 'back to normal'}, ${this.format(value ?? 0)}${unit ? ' ' + unit : ''}`);
  }

  /** The level in words, or nothing while ok. */
  renderLevel(value: number | undefined): TemplateResult | typeof nothing {
    const words = value === undefined ? '' : levelWords(this.level, this.thresholds, this.format);
    return words ? html`<div part="level" class="level" data-level=${this.level}>${words}</div>` : nothing;
  }

  /** The change against `ms` before the newest value, with an arrow and in words. */
  renderTrend(ms: number, value: number | undefined, ts: number): TemplateResult | typeof nothing {
    if (!(ms > 0) || value === undefined) return nothing;
    const i = this.history.indexAtOrBefore(ts - ms);
    if (i < 0) return html`<span part="trend" class="trend">no value ${describeAge(ms)} ago yet</span>`;
    const delta = value - this.history.valueAt(i);
    const words = delta > 0 ? 'up' : delta < 0 ? 'down' : 'unchanged';
    const amount = delta === 0 ? '' : ` ${this.format(Math.abs(delta))}`;
    return html`<span part="trend" class="trend" data-trend=${words}
      ><span aria-hidden="true">${delta > 0 ? '▲' : delta < 0 ? '▼' : '→'}</span> ${words}${amount} in ${describeAge(ms)}</span
    >`;
  }

  /** The sparkline of the `ms` up to `ts`. */
  renderSparkline(ms: number, ts: number): TemplateResult | typeof nothing {
    return ms > 0 ? renderSparkline(this.history, ts - ms, ts) : nothing;
  }

  /** The polite live region that announces level changes. */
  renderAnnouncer(): TemplateResult {
    return html`<div class="announce" role="status" aria-live="polite">${this.announcer.text}</div>`;
  }
}
