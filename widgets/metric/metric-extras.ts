/**
 * What `<rt-metric>` does beyond showing a number — checking and applying
 * formats and thresholds, their level in words and its announcement, the
 * trend and the sparkline's points — in a chunk of its own, loaded the first
 * time a metric uses one of `format`, `locale`, `warn`, `crit`, `direction`,
 * `trend` or `sparkline`, with the part of the metric's template that shows
 * them. A page of plain metrics never downloads it. It imports nothing of
 * lit (the metric hands it lit's template tags), so lit stays in the one
 * chunk every element shares rather than being split into a chunk of its own.
 */
import type { html as Html, nothing as Nothing, ReactiveControllerHost, svg as Svg, TemplateResult } from 'lit';
import { Announcer } from '../announcer.js';
import { formatProblem, thresholdsProblem } from './metric-attributes.js';
import { sparklinePoints } from './sparkline.js';
import { levelWords, thresholdLevel, type ThresholdLevel, type Thresholds } from './thresholds.js';
import { valueFormatter, type FormatSpec } from './value-format.js';
import { ValueHistory } from './value-history.js';
import cssText from './metric-extras.styles.js';

let sheet: CSSStyleSheet | undefined;

/** The attributes the extras read. */
export interface ExtrasAttributes extends FormatSpec {
  warn: string;
  crit: string;
  direction: string;
}

/** The change against an interval ago. */
export interface Trend {
  arrow: string;
  words: 'up' | 'down' | 'unchanged';
  amount: string;
}

/** Lit's template tags, as the metric hands them over. */
export interface TemplateTags {
  html: typeof Html;
  svg: typeof Svg;
  nothing: typeof Nothing;
}

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
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(cssText);
    }
    // Lit adopted the element's own sheets; this one joins them.
    if (root && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }

  /** Why the attributes cannot be used (a message naming the attribute), or null. */
  problem(a: ExtrasAttributes): string | null {
    return formatProblem(a) ?? thresholdsProblem(a);
  }

  /** Applies the attributes (which must be free of problems). */
  apply(a: ExtrasAttributes): void {
    this.format = valueFormatter(a);
    this.thresholds = { warn: a.warn === '' ? NaN : Number(a.warn), crit: a.crit === '' ? NaN : Number(a.crit), direction: a.direction || 'above' };
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

  /** The level in words ("critical: at or above 95"), or '' while ok. */
  levelText(): string {
    return levelWords(this.level, this.thresholds, this.format);
  }

  /** What the polite live region says now. */
  get announcement(): string {
    return this.announcer.text;
  }

  /** The change of `value` (at `ts`) against `ms` before, or null when no value is that old yet. */
  trend(ms: number, value: number, ts: number): Trend | null {
    const i = this.history.indexAtOrBefore(ts - ms);
    if (i < 0) return null;
    const delta = value - this.history.valueAt(i);
    return {
      arrow: delta > 0 ? '▲' : delta < 0 ? '▼' : '→',
      words: delta > 0 ? 'up' : delta < 0 ? 'down' : 'unchanged',
      amount: delta === 0 ? '' : ` ${this.format(Math.abs(delta))}`,
    };
  }

  /**
   * The level in words, the trend over `trendMs` (`trendText` in words) and
   * the sparkline over `sparkMs` (each only when set), and the live region,
   * for the value shown (`value`, at `ts`).
   */
  render({ html, svg, nothing }: TemplateTags, value: number | undefined, ts: number, trendMs: number, trendText: string, sparkMs: number): TemplateResult {
    const level = value === undefined ? '' : this.levelText();
    let trend = null;
    if (trendMs > 0 && value !== undefined) {
      const t = this.trend(trendMs, value, ts);
      trend = t
        ? html`<span part="trend" class="trend" data-trend=${t.words}><span aria-hidden="true">${t.arrow}</span> ${t.words}${t.amount} in ${trendText}</span>`
        : html`<span part="trend" class="trend">no value ${trendText} ago yet</span>`;
    }
    return html`${level ? html`<div part="level" class="level" data-level=${this.level}>${level}</div>` : nothing}${trend ?? nothing}
      ${sparkMs > 0
        ? html`<svg part="sparkline" class="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" aria-hidden="true">
            ${svg`<polyline points=${this.sparkline(sparkMs, ts)} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke"></polyline>`}
          </svg>`
        : nothing}
      <div class="announce" role="status" aria-live="polite">${this.announcement}</div>`;
  }

  /** The sparkline's points for the `ms` up to `ts`. */
  sparkline(ms: number, ts: number): string {
    return sparklinePoints(this.history, ts - ms, ts);
  }
}
