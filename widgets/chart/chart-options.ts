/**
 * uPlot options for an rt-chart: colours come from the element's theme
 * tokens (canvas cannot read CSS variables, so they are resolved once per
 * build), the x scale is the sliding window, and uPlot's own legend is off
 * because the element renders one that follows the theme and the layout.
 */
import { html, type TemplateResult } from 'lit';
import uPlot from 'uplot';
import { crosshairTooltip } from './crosshair-tooltip.js';
import type { SeriesSpec } from './series-spec.js';

/** The values `type` accepts. */
export const CHART_TYPES = ['line', 'area', 'bars', 'step'] as const;
/** How the series are drawn. */
export type ChartType = (typeof CHART_TYPES)[number];

/** Colours resolved from the host's computed style. */
export interface ChartColors {
  series: string[];
  axis: string;
  grid: string;
}

const PROBED = ['--_muted', '--_grid', '--_series-1', '--_series-2', '--_series-3', '--_series-4', '--_series-5', '--_series-6'];

/**
 * Hidden elements coloured with the tokens the chart needs. A token's own
 * value may be `light-dark(…)`, which only a colour property resolves (for
 * the element's colour scheme); reading `color` of these gives plain colours.
 */
export function renderColorProbe(onChange: () => void): TemplateResult {
  // Each probe has a tiny colour transition, so a change of its resolved
  // colour (new --rt-* values, a color-scheme switch) fires transitionend:
  // the chart learns of a re-theme without polling computed styles.
  return html`<div class="probe" aria-hidden="true" @transitionend=${onChange}>${PROBED.map((token) => html`<i style="color: var(${token})"></i>`)}</div>`;
}

/** Reads the resolved theme colours from the probe `renderColorProbe` rendered. */
export function readChartColors(probe: Element): ChartColors {
  const colors = [...probe.children].map((el) => getComputedStyle(el).color);
  return { axis: colors[0], grid: colors[1], series: colors.slice(2) };
}

/** Equal when two colour sets would draw the same chart. */
export function sameColors(a: ChartColors, b: ChartColors): boolean {
  return a.axis === b.axis && a.grid === b.grid && a.series.every((c, i) => c === b.series[i]);
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const clockMinutes = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Tick labels of the time axis: wall-clock time, with seconds when ticks are
 * less than a minute apart. One line per tick, so labels never stack (uPlot's
 * default adds a date row that collides on narrow charts).
 */
export function timeTicks(_u: uPlot, splits: number[], _axis: number, _space: number, increment: number): string[] {
  const format = increment < 60 ? clock : clockMinutes;
  return splits.map((s) => format.format(s * 1000));
}

/** Everything an rt-chart's uPlot needs to be built. */
export interface ChartSpec {
  series: readonly SeriesSpec[];
  type: ChartType;
  /** Fixed ends of the y axis; NaN lets the data decide. */
  yMin: number;
  yMax: number;
  /** Unit of the y axis, shown after its tick labels. */
  unit: string;
  /** Formats a y value for the axis. */
  formatY: (value: number) => string;
  width: number;
  height: number;
  colors: ChartColors;
  /** The x range to show, in seconds: the sliding window. */
  xRange: () => [number, number];
}

export function chartOptions(spec: ChartSpec): uPlot.Options {
  const { colors } = spec;
  const axis: uPlot.Axis = {
    stroke: colors.axis,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
  };
  const paths = pathsFor(spec.type);
  const { yMin, yMax } = spec;
  const fixed = !Number.isNaN(yMin) || !Number.isNaN(yMax);
  return {
    width: spec.width,
    height: spec.height,
    legend: { show: false },
    plugins: [crosshairTooltip(() => spec.series.map((s) => ({ label: s.label, format: (v: number) => (s.unit ? `${spec.formatY(v)} ${s.unit}` : spec.formatY(v)) })))],
    scales: {
      x: { time: true, range: () => spec.xRange() },
      ...(fixed
        ? {
            y: {
              range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Number.isNaN(yMin) ? Math.min(min, Number.isNaN(yMax) ? min : yMax) : yMin, Number.isNaN(yMax) ? Math.max(max, yMin) : yMax],
            },
          }
        : {}),
    },
    series: [
      {},
      ...spec.series.map<uPlot.Series>((s, i) => {
        const stroke = s.color || colors.series[i % colors.series.length];
        return {
          label: s.label,
          stroke,
          fill: spec.type === 'area' || spec.type === 'bars' ? withAlpha(stroke, spec.type === 'bars' ? 0.6 : 0.15) : undefined,
          // A hairline: without a GPU, canvas rasterizes it at the same cost
          // however many points a full window holds (1.5 px cost 2–4× more full than empty).
          width: 1,
          // Missing points of one series where another ticked are spanned; gaps are breaks (see series-table).
          spanGaps: false,
          points: { show: false },
          ...(paths ? { paths } : {}),
        };
      }),
    ],
    axes: [
      { ...axis, values: timeTicks, space: 70 },
      { ...axis, size: 64, values: (_u, splits) => splits.map((v) => (spec.unit ? `${spec.formatY(v)} ${spec.unit}` : spec.formatY(v))) },
    ],
  };
}

/** uPlot's path builder for a chart type (undefined: its default line). */
function pathsFor(type: ChartType): uPlot.Series.PathBuilder | undefined {
  if (type === 'step') return uPlot.paths.stepped?.({ align: 1 });
  if (type === 'bars') return uPlot.paths.bars?.({ size: [0.6, 40] });
  return undefined;
}

/** The colour at `alpha` opacity (any CSS colour, through color-mix). */
function withAlpha(color: string, alpha: number): string {
  return `color-mix(in srgb, ${color} ${Math.round(alpha * 100)}%, transparent)`;
}
