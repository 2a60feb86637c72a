import { html, LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import uPlot from 'uplot';
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, type Message } from '../../protocol/index.js';
import { renderProblem } from '../problem-view.js';
import { renderHeader } from '../widget-header.js';
import type { ThemeName } from '../theme.js';
import { TopicController } from '../topic-controller.js';
import { parseTopicList } from '../topic-list.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { alignSeries } from './align-series.js';
import { chartOptions, readChartColors, sameColors, type ChartColors } from './chart-options.js';
import { SeriesWindow } from './series-window.js';
import styles from './rt-chart.styles.js';

/** How often the window slides forward when no data arrives, in ms. */
const SLIDE_EVERY_MS = 1000;
const SERIES_COLORS = 6;
/**
 * Most points queued per topic between two frames: a whole snapshot and as
 * much again, so neither the first frame nor a tab hidden for a while loses
 * points that belong in the window; still bounded.
 */
const MAX_BUFFERED_POINTS = 2 * MAX_SNAPSHOT;

/**
 * @summary A live line chart (uPlot) of one or more topics over a sliding
 * time window, one line per topic.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused a topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The caption.
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
export default class RtChart extends LitElement {
  static override styles = styles;

  /** Topics to plot, separated by spaces or commas. */
  @property() topics = '';

  /** Width of the time window, in seconds. */
  @property({ type: Number }) window = 300;

  /** Caption above the chart; defaults to the topic list. */
  @property() label = '';

  /** Gateway URL; defaults to `/ws` on the host that served rt.js. */
  @property() gateway = '';

  /** Colour theme: `auto` follows the OS, or force `light` or `dark`. */
  @property({ reflect: true }) theme?: ThemeName;

  private topicList: string[] = [];
  private windows = new Map<string, SeriesWindow>();
  /** Newest message time (ms) and when it arrived (performance.now()): the window's right edge. */
  private newestTs = 0;
  private newestAt = 0;
  private dirty = false;
  private plot: uPlot | null = null;
  private plotHost: HTMLElement | null = null;
  private plotKey = '';
  private plotColors: ChartColors | null = null;
  private resizer: ResizeObserver | null = null;
  private slider: ReturnType<typeof setInterval> | undefined;
  private readonly format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  private readonly darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

  private readonly data = new TopicController(this, {
    topics: () => this.topicList,
    gateway: () => this.gateway,
    validate: () => this.windowProblem(),
    // The whole window, whatever the topic's rate (a count would fill only part of a
    // busy topic's window); the count only bounds it.
    snapshotMs: () => Math.min(MAX_SNAPSHOT_MS, Math.ceil(this.window * 1000)),
    snapshot: () => MAX_SNAPSHOT,
    maxBuffered: () => MAX_BUFFERED_POINTS,
    onMessages: (messages, topic) => this.addPoints(topic, messages),
    onReset: () => this.resetData(),
  });

  /** Number of points currently held across all series (for diagnostics and tests). */
  get pointCount(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.length;
    return n;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.darkQuery?.addEventListener('change', this.rebuild);
    // Slide the window even when topics go quiet, so old points scroll away.
    this.slider = setInterval(() => {
      // The page may retheme by changing --rt-* variables, which canvas cannot follow by itself.
      if (this.plotColors && !sameColors(this.plotColors, readChartColors(this))) this.rebuild();
      if (this.pointCount > 0) {
        this.dirty = true;
        this.requestUpdate();
      }
    }, SLIDE_EVERY_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.darkQuery?.removeEventListener('change', this.rebuild);
    clearInterval(this.slider);
    this.destroyPlot();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('topics')) this.topicList = parseTopicList(this.topics);
    // Canvas colours are resolved from the theme once per build.
    if (changed.has('theme') && this.plot) this.destroyPlot();
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
  }

  private windowProblem(): WidgetError | null {
    const seconds = this.window;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `window must be a positive number of seconds, got "${this.getAttribute('window') ?? seconds}"`);
  }

  private addPoints(topic: string, messages: readonly Message[]): void {
    let series = this.windows.get(topic);
    if (!series) {
      series = new SeriesWindow();
      this.windows.set(topic, series);
    }
    for (const message of messages) {
      if (typeof message.value !== 'number' || !Number.isFinite(message.value)) continue;
      series.add(message.ts / 1000, message.value);
      if (message.ts > this.newestTs) {
        this.newestTs = message.ts;
        this.newestAt = performance.now();
      }
    }
    this.dirty = true;
  }

  private resetData(): void {
    this.windows = new Map();
    this.newestTs = 0;
    this.dirty = true;
  }

  /**
   * The window's right edge in seconds: the newest message time, advanced by
   * the local time elapsed since it arrived. Anchoring on message time rather
   * than the browser clock keeps the chart right when the two clocks disagree.
   */
  private xRange(): [number, number] {
    const edgeMs = this.newestTs > 0 ? this.newestTs + (performance.now() - this.newestAt) : Date.now();
    const hi = edgeMs / 1000;
    return [hi - this.window, hi];
  }

  private draw(): void {
    this.dirty = false;
    const [lo] = this.xRange();
    const ordered: SeriesWindow[] = [];
    for (const topic of this.topicList) {
      const series = this.windows.get(topic) ?? new SeriesWindow();
      series.prune(lo);
      ordered.push(series);
    }
    // resetScales keeps y fitted to the data; x follows xRange either way.
    this.plot?.setData(alignSeries(ordered), true);
  }

  private createPlot(host: HTMLElement, key: string): void {
    this.destroyPlot();
    const colors = readChartColors(this);
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

  private latestText(topic: string): string {
    const value = this.windows.get(topic)?.newest();
    return value === undefined ? '—' : this.format.format(value);
  }

  protected override render() {
    const { problem, status } = this.data;
    return html`
      <div part="base" class="base">
        ${renderHeader(this.label || this.topicList.join(', '), status, problem !== null)}
        ${problem
          ? renderProblem(problem)
          : html`<div part="plot" class="plot" ?data-stale=${status !== 'open'}></div>
              <ul part="legend" class="legend">
                ${this.topicList.map(
                  (topic, i) => html`<li>
                    <span class="swatch" style=${styleMap({ background: `var(--_series-${(i % SERIES_COLORS) + 1})` })}></span>
                    <span>${topic}</span>
                    <span class="value">${this.latestText(topic)}</span>
                  </li>`,
                )}
              </ul>`}
      </div>
    `;
  }
}
