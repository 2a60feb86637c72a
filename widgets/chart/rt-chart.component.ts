import { html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import uPlot from 'uplot';
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, type Message } from '../../protocol/index.js';
import { renderProblem } from '../problem-view.js';
import { RtElement } from '../rt-element.js';
import { renderHeader } from '../widget-header.js';
import { TopicController } from '../topic-controller.js';
import { maxRateOf, maxRateProblem } from '../max-rate.js';
import { parseTopicList } from '../topic-list.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { chartOptions, readChartColors, renderColorProbe, sameColors, type ChartColors } from './chart-options.js';
import { SeriesTable } from './series-table.js';
import styles from './rt-chart.styles.js';

/** The window slides at least this often while quiet (ms)… */
const SLIDE_MAX_MS = 1000;
/** …and at most this often, even when a pixel of the plot is less time. */
const SLIDE_MIN_MS = 50;
/** How often the theme's colours are compared with the ones drawn, while visible (ms). */
const COLOR_CHECK_MS = 1000;
const SERIES_COLORS = 6;
/**
 * Most points queued per topic between two frames: a whole snapshot and as
 * much again, so neither the first frame nor a tab hidden for a while loses
 * points that belong in the window; still bounded.
 */
const MAX_BUFFERED_POINTS = 2 * MAX_SNAPSHOT;

/**
 * @summary A live line chart (uPlot) of one or more topics over a sliding
 * time window that ends at the wall clock, one line per topic.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused a topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The caption.
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart status - The connection-status dot.
 * @csspart plot - The box uPlot draws in.
 * @csspart legend - The list of series with their latest values.
 * @csspart error - The error message shown instead of the chart.
 *
 * @cssproperty --rt-chart-height - Height of the plot area.
 * @cssproperty --rt-chart-swatch-size - Size of the legend colour swatches.
 * @cssproperty --rt-series-1 - Colour of the first series (up to --rt-series-6; then colours repeat).
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-ok, --rt-warn, --rt-error, --rt-grid, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtChart extends RtElement {
  static override styles = styles;

  /** Topics to plot, separated by spaces or commas. */
  @property() topics = '';

  /** Width of the time window, in seconds. */
  @property({ type: Number }) window = 300;

  /** Most points per second per series to receive (the gateway conflates: the newest wins); empty = every point. */
  @property({ attribute: 'max-rate' }) maxRate = '';

  /** Caption above the chart; defaults to the topic list. */
  @property() label = '';

  private topicList: string[] = [];
  private columns = new Map<string, number>();
  private table = new SeriesTable(0);
  /** The window's right edge at the last draw (epoch ms). */
  private edgeMs = Date.now();
  private drawnAt = -Infinity;
  private colorsCheckedAt = -Infinity;
  private dirty = false;
  /** Whether the last draw had points: one more slide then clears them. */
  private drewPoints = false;
  private plot: uPlot | null = null;
  private plotHost: HTMLElement | null = null;
  private plotKey = '';
  private plotColors: ChartColors | null = null;
  private resizer: ResizeObserver | null = null;
  private slider: ReturnType<typeof setInterval> | undefined;
  private sliderEvery = 0;
  private readonly format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  private readonly darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

  private readonly data = new TopicController(this, {
    topics: () => this.topicList,
    gateway: () => this.gateway,
    validate: () => this.staleAfterProblem() ?? this.windowProblem() ?? maxRateProblem(this.maxRate),
    maxRate: () => maxRateOf(this.maxRate),
    // The whole window, whatever the topic's rate (a count would fill only part of a
    // busy topic's window); the count only bounds it.
    snapshotMs: () => Math.min(MAX_SNAPSHOT_MS, Math.ceil(this.window * 1000)),
    snapshot: () => MAX_SNAPSHOT,
    maxBuffered: () => MAX_BUFFERED_POINTS,
    onMessages: (messages, topic) => this.addPoints(topic, messages),
    onReset: () => this.resetData(),
  });

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
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.darkQuery?.removeEventListener('change', this.rebuild);
    this.stopSliding();
    this.destroyPlot();
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible) this.dirty = true;
    else this.stopSliding();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('topics')) this.topicList = parseTopicList(this.topics);
    // Canvas colours are resolved from the theme once per build.
    if (changed.has('theme') && this.plot) this.destroyPlot();
    // The legend and the plot of this update share one right edge: now.
    if (this.dirty) {
      this.edgeMs = Date.now();
      this.table.prune(this.xRange()[0]);
    }
  }

  protected override updated(): void {
    const host = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!host) {
      this.destroyPlot();
      return;
    }
    const key = this.topicList.join(' ');
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
    const j = this.columns.get(topic);
    if (j === undefined) return;
    for (const message of messages) {
      if (typeof message.value !== 'number' || !Number.isFinite(message.value)) continue;
      this.table.add(j, message.ts / 1000, message.value);
    }
    this.dirty = true;
  }

  private resetData(): void {
    this.columns = new Map(this.topicList.map((topic, i) => [topic, i]));
    this.table = new SeriesTable(this.topicList.length);
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
    if (now - this.colorsCheckedAt >= COLOR_CHECK_MS) {
      this.colorsCheckedAt = now;
      // The page may retheme (a color-scheme toggle, new --rt-* values), which canvas cannot follow by itself.
      const probe = this.renderRoot.querySelector('.probe');
      if (probe && this.plotColors && !sameColors(this.plotColors, readChartColors(probe))) {
        this.rebuild();
        return;
      }
    }
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
        topics: this.topicList,
        width: Math.max(1, host.clientWidth),
        height: Math.max(1, host.clientHeight),
        colors,
        xRange: () => this.xRange(),
      }),
      [[], ...this.topicList.map(() => [])],
      host,
    );
    this.plot = plot;
    this.plotHost = host;
    this.plotKey = key;
    this.resizer = new ResizeObserver(() => {
      const width = host.clientWidth;
      const height = host.clientHeight;
      if (width > 0 && height > 0 && (width !== plot.width || height !== plot.height)) plot.setSize({ width, height });
    });
    this.resizer.observe(host);
    this.draw();
  }

  private destroyPlot(): void {
    this.resizer?.disconnect();
    this.resizer = null;
    this.plot?.destroy();
    this.plot = null;
    this.plotHost = null;
    this.plotKey = '';
    this.plotColors = null;
  }

  /** Colours come from CSS tokens, which canvas cannot follow: rebuild when they change. */
  private readonly rebuild = (): void => {
    this.destroyPlot();
    this.requestUpdate();
  };

  private latestText(j: number): string {
    const value = this.table.newest(j, this.xRange()[0]);
    return value === undefined ? '—' : this.format.format(value);
  }

  protected override render() {
    const { problem, status } = this.data;
    return html`
      <div part="base" class="base">
        ${renderHeader(this.label || this.topicList.join(', '), status, problem !== null, this.freshness.ageText)}
        ${problem
          ? renderProblem(problem)
          : html`<div part="plot" class="plot" ?data-stale=${status !== 'open' || this.freshness.stale}></div>
              <ul part="legend" class="legend">
                ${this.topicList.map(
                  (topic, i) => html`<li>
                    <span class="swatch" style=${styleMap({ background: `var(--_series-${(i % SERIES_COLORS) + 1})` })}></span>
                    <span>${topic}</span>
                    <span class="value">${this.latestText(i)}</span>
                  </li>`,
                )}
              </ul>
              ${renderColorProbe()}`}
      </div>
    `;
  }
}
