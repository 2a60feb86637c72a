import { html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import uPlot from 'uplot';
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, type GapFrame, type Message } from '../../protocol/index.js';
import { parseDuration } from '../duration.js';
import { readNumber } from '../field-path.js';
import { RtElement } from '../rt-element.js';
import { SizeController } from '../size-controller.js';
import { TopicController } from '../topic-controller.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { CHART_TYPES, chartOptions, readChartColors, renderColorProbe, sameColors, type ChartColors, type ChartType } from './chart-options.js';
import { readSeries, type SeriesSpec } from './series-spec.js';
import { SeriesTable } from './series-table.js';
import styles from './rt-chart.styles.js';

/** The window slides at least this often while quiet (ms)… */
const SLIDE_MAX_MS = 1000;
/** …and at most this often, even when a pixel of the plot is less time. */
const SLIDE_MIN_MS = 50;
const SERIES_COLORS = 6;
/**
 * Most points queued per topic between two frames: a whole snapshot and as
 * much again, so neither the first frame nor a tab hidden for a while loses
 * points that belong in the window; still bounded.
 */
const MAX_BUFFERED_POINTS = 2 * MAX_SNAPSHOT;

/**
 * @summary A live chart (uPlot) of one or more topics over a sliding time
 * window that ends at the wall clock: one line, area, bar or step series per
 * `<rt-series>` child (or per topic of `topics`).
 *
 * @slot - `<rt-series topic label color unit field>` elements, one per series.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused a topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The caption.
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart status - The connection-status dot.
 * @csspart state - The state in words (connecting, no data yet, reconnecting); also `state-<name>`.
 * @csspart plot - The box uPlot draws in.
 * @csspart legend - The list of series with their latest values.
 * @csspart tooltip - The crosshair tooltip: the time under the pointer (local) and each series' value.
 * @csspart error - The error message shown instead of the chart.
 *
 * @cssproperty --rt-chart-height - Height of the plot area.
 * @cssproperty --rt-chart-swatch-size - Size of the legend colour swatches.
 * @cssproperty --rt-series-1 - Colour of the first series (up to --rt-series-6; then colours repeat).
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-ok, --rt-warn, --rt-error, --rt-grid, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtChart extends RtElement {
  static override styles = styles;

  /** Topics to plot, separated by spaces or commas (shorthand for `<rt-series>` children, which win when present). */
  @property() topics = '';

  /** Width of the time window, in seconds. */
  @property({ type: Number }) window = 300;

  /** How the series are drawn: `line` (default), `area`, `bars` or `step`. */
  @property() type = '';

  /** Unit of the y axis (and of series without their own). */
  @property() unit = '';

  /** Fixed bottom of the y axis; unset fits the data. */
  @property({ attribute: 'y-min' }) yMin = '';

  /** Fixed top of the y axis; unset fits the data. */
  @property({ attribute: 'y-max' }) yMax = '';

  /** Break a line where a series was silent longer than this (`30s`); unset: only gap markers break lines. */
  @property({ attribute: 'gap-after' }) gapAfter = '';

  private series: SeriesSpec[] = [];
  private seriesProblem: string | null = null;
  private topicList: string[] = [];
  private columns = new Map<string, number[]>();
  private table = new SeriesTable(0);
  /** The window's right edge at the last draw (epoch ms). */
  private edgeMs = Date.now();
  private drawnAt = -Infinity;
  private readonly childObserver = typeof MutationObserver === 'function' ? new MutationObserver(() => this.readChildren()) : null;
  private dirty = false;
  /** Whether the last draw had points: one more slide then clears them. */
  private drewPoints = false;
  private plot: uPlot | null = null;
  private plotHost: HTMLElement | null = null;
  private plotKey = '';
  private plotColors: ChartColors | null = null;
  /** The plot box's size: uPlot is resized to it. */
  private readonly size = new SizeController(this, {
    onResize: (width, height) => {
      const plot = this.plot;
      if (plot && width > 0 && height > 0 && (width !== plot.width || height !== plot.height)) plot.setSize({ width, height });
    },
  });
  private slider: ReturnType<typeof setInterval> | undefined;
  private sliderEvery = 0;
  private readonly format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  private readonly darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

  protected readonly data = new TopicController(this, {
    topics: () => this.topicList,
    gateway: () => this.gateway,
    validate: () => this.staleAfterProblem() ?? this.windowProblem() ?? this.shapeProblem(),
    // The whole window, whatever the topic's rate (a count would fill only part of a
    // busy topic's window); the count only bounds it.
    snapshotMs: () => Math.min(MAX_SNAPSHOT_MS, Math.ceil(this.window * 1000)),
    snapshot: () => MAX_SNAPSHOT,
    maxBuffered: () => MAX_BUFFERED_POINTS,
    onMessages: (messages, topic) => this.addPoints(topic, messages),
    onGap: (gap) => this.breakLines(gap),
    onReset: () => this.resetData(),
  });

  protected hasData(): boolean {
    return this.table.rows > 0;
  }

  /** Number of points inside the window across all series (for diagnostics and tests). */
  get pointCount(): number {
    return this.table.points;
  }

  /** The time (epoch ms) at the right edge of the plot when it was last drawn: the wall clock then. */
  get windowEnd(): number {
    return this.edgeMs;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.darkQuery?.addEventListener('change', this.rebuild);
    this.childObserver?.observe(this, { childList: true, subtree: true, attributes: true, attributeFilter: ['topic', 'label', 'color', 'unit', 'field'] });
    this.readChildren();
  }

  /** Re-reads the `<rt-series>` children (and the `topics` shorthand). */
  private readChildren(): void {
    const read = readSeries(this, this.topics, this.unit);
    const before = JSON.stringify([this.series, this.seriesProblem]);
    this.seriesProblem = typeof read === 'string' ? read : null;
    this.series = typeof read === 'string' ? [] : read;
    this.topicList = [...new Set(this.series.map((s) => s.topic))];
    if (JSON.stringify([this.series, this.seriesProblem]) !== before) {
      // Series changed: the plot is rebuilt with them.
      this.destroyPlot();
      this.requestUpdate();
    }
  }

  private shapeProblem(): WidgetError | null {
    const bad = (message: string) => new WidgetError(WidgetErrorCode.BadAttribute, message);
    if (this.seriesProblem) return bad(this.seriesProblem);
    if (this.type && !CHART_TYPES.includes(this.type as ChartType)) return bad(`type must be one of ${CHART_TYPES.join(', ')}, got "${this.type}"`);
    for (const [name, text] of [['y-min', this.yMin], ['y-max', this.yMax]] as const) {
      if (text !== '' && !Number.isFinite(Number(text))) return bad(`${name} must be a number, got "${text}"`);
    }
    if (this.yMin !== '' && this.yMax !== '' && Number(this.yMin) >= Number(this.yMax)) return bad(`y-min (${this.yMin}) must be below y-max (${this.yMax})`);
    const gap = this.gapAfter ? parseDuration(this.gapAfter) : 0;
    if (typeof gap === 'string') return bad(`gap-after must be ${gap}, got "${this.gapAfter}"`);
    return null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.darkQuery?.removeEventListener('change', this.rebuild);
    this.childObserver?.disconnect();
    this.stopSliding();
    this.destroyPlot();
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible) this.dirty = true;
    else this.stopSliding();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('topics') || changed.has('unit')) this.readChildren();
    // Canvas colours are resolved from the theme once per build; the shape too.
    if ((changed.has('theme') || changed.has('type') || changed.has('yMin') || changed.has('yMax') || changed.has('unit')) && this.plot) this.destroyPlot();
    // The legend and the plot of this update share one right edge: now.
    if (this.dirty) {
      this.edgeMs = Date.now();
      this.table.prune(this.xRange()[0]);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const host = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!host) {
      this.destroyPlot();
      return;
    }
    const key = JSON.stringify(this.series);
    if (!this.plot || this.plotHost !== host || this.plotKey !== key) {
      this.createPlot(host, key);
    } else if (this.dirty) {
      this.draw();
    }
    this.keepSliding();
  }

  private windowProblem(): WidgetError | null {
    const seconds = this.window;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `window must be a positive number of seconds, got "${this.getAttribute('window') ?? seconds}"`);
  }

  private addPoints(topic: string, messages: readonly Message[]): void {
    this.freshness.record(messages);
    const js = this.columns.get(topic);
    if (js === undefined) return;
    const parsed = this.gapAfter ? parseDuration(this.gapAfter) : 0;
    const gapAfterS = typeof parsed === 'number' && parsed > 0 ? parsed / 1000 : Infinity;
    for (const j of js) {
      const keys = this.series[j].keys;
      for (const message of messages) {
        const value = readNumber(message, keys);
        if (value === undefined) continue;
        const x = message.ts / 1000;
        const last = this.table.newestTime(j);
        // A silence longer than gap-after is a break in the line, not a slope across it.
        if (last > -Infinity && x - last > gapAfterS) this.table.add(j, last + 0.001, null);
        this.table.add(j, x, value);
      }
    }
    this.dirty = true;
  }

  /** Events were lost: each series of the topic breaks after its newest point. */
  private breakLines(gap: GapFrame): void {
    for (const j of this.columns.get(gap.topic) ?? []) {
      const last = this.table.newestTime(j);
      if (last > -Infinity) this.table.add(j, last + 0.001, null);
    }
    this.dirty = true;
  }

  private resetData(): void {
    this.columns = new Map();
    this.series.forEach((s, j) => this.columns.set(s.topic, [...(this.columns.get(s.topic) ?? []), j]));
    this.table = new SeriesTable(this.series.length);
    this.freshness.reset();
    this.dirty = true;
  }

  /**
   * The window's right edge is the browser's wall clock, not the newest
   * message: a topic that went silent visibly stops short of the edge.
   */
  private xRange(): [number, number] {
    const hi = this.edgeMs / 1000;
    return [hi - this.window, hi];
  }

  /** Hands uPlot the current columns: once per update, committed at once (no microtask of its own). */
  private draw(): void {
    this.dirty = false;
    this.drawnAt = performance.now();
    this.drewPoints = this.table.rows > 0;
    const plot = this.plot;
    if (!plot) return;
    const data = this.table.aligned();
    // resetScales keeps y fitted to the data; x follows xRange either way.
    plot.batch(() => plot.setData(data, true));
  }

  /**
   * While in view and holding points, redraws often enough that the window
   * moves about a pixel at a time even when no data arrives; data arriving
   * every frame redraws anyway, and then the timer does nothing.
   */
  private keepSliding(): void {
    const width = this.plot?.width ?? 0;
    const every = Math.min(SLIDE_MAX_MS, Math.max(SLIDE_MIN_MS, width > 0 ? (this.window * 1000) / width : SLIDE_MAX_MS));
    if (this.slider !== undefined && every === this.sliderEvery) return;
    this.stopSliding();
    this.sliderEvery = every;
    this.slider = setInterval(() => this.slide(), every);
  }

  private stopSliding(): void {
    clearInterval(this.slider);
    this.slider = undefined;
  }

  private slide(): void {
    if (!this.visibility.visible) {
      this.stopSliding();
      return;
    }
    const now = performance.now();
    // Slides while it holds points, and once more after the last one left, to clear the legend.
    if (now - this.drawnAt >= this.sliderEvery * 0.9 && (this.table.rows > 0 || this.drewPoints)) {
      this.dirty = true;
      this.requestUpdate();
    }
  }

  private createPlot(host: HTMLElement, key: string): void {
    this.destroyPlot();
    const probe = this.renderRoot.querySelector('.probe');
    if (!probe) return;
    const colors = readChartColors(probe);
    this.plotColors = colors;
    const plot = new uPlot(
      chartOptions({
        series: this.series,
        type: (this.type || 'line') as ChartType,
        yMin: this.yMin === '' ? NaN : Number(this.yMin),
        yMax: this.yMax === '' ? NaN : Number(this.yMax),
        unit: this.unit,
        formatY: (v) => this.format.format(v),
        width: Math.max(1, host.clientWidth),
        height: Math.max(1, host.clientHeight),
        colors,
        xRange: () => this.xRange(),
      }),
      [[], ...this.series.map(() => [])],
      host,
    );
    this.plot = plot;
    this.plotHost = host;
    this.plotKey = key;
    this.size.observe(host);
    this.draw();
  }

  private destroyPlot(): void {
    this.size.observe(null);
    this.plot?.destroy();
    this.plot = null;
    this.plotHost = null;
    this.plotKey = '';
    this.plotColors = null;
  }

  /** A probe's colour changed (a re-theme): rebuild if the drawn colours are no longer the theme's. */
  private readonly themeChanged = (): void => {
    const probe = this.renderRoot.querySelector('.probe');
    if (probe && this.plotColors && !sameColors(this.plotColors, readChartColors(probe))) this.rebuild();
  };

  /** Colours come from CSS tokens, which canvas cannot follow: rebuild when they change. */
  private readonly rebuild = (): void => {
    this.destroyPlot();
    this.requestUpdate();
  };

  private latestText(j: number): string {
    const value = this.table.newest(j, this.xRange()[0]);
    const unit = this.series[j]?.unit;
    return value === undefined ? '—' : unit ? `${this.format.format(value)} ${unit}` : this.format.format(value);
  }

  protected override render() {
    const stale = this.data.status !== 'open' || this.freshness.stale;
    return this.renderFrame(
      this.topicList.join(', '),
      () => html`<div part="plot" class="plot" ?data-stale=${stale}></div>
        <ul part="legend" class="legend">
          ${this.series.map(
            (s, i) => html`<li>
              <span class="swatch" style=${styleMap({ background: s.color || `var(--_series-${(i % SERIES_COLORS) + 1})` })}></span>
              <span>${s.label}</span>
              <span class="value">${this.latestText(i)}</span>
            </li>`,
          )}
        </ul>
        ${renderColorProbe(this.themeChanged)}`,
    );
  }
}
