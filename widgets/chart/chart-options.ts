/**
 * uPlot options for an rt-chart: colours come from the element's theme
 * tokens (canvas cannot read CSS variables, so they are resolved once per
 * build), the x scale is the sliding window, and uPlot's own legend is off
 * because the element renders one that follows the theme and the layout.
 */
import type uPlot from 'uplot';

/** Colours resolved from the host's computed style. */
export interface ChartColors {
  series: string[];
  axis: string;
  grid: string;
}

/** Reads the theme tokens the chart needs from `host`. */
export function readChartColors(host: Element): ChartColors {
  const style = getComputedStyle(host);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const series: string[] = [];
  for (let i = 1; i <= 6; i++) series.push(read(`--_series-${i}`, '#2f6fde'));
  return { series, axis: read('--_muted', '#5f6b7a'), grid: read('--_grid', '#e8ebef') };
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
  topics: readonly string[];
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
  return {
    width: spec.width,
    height: spec.height,
    legend: { show: false },
    scales: { x: { time: true, range: () => spec.xRange() } },
    series: [
      {},
      ...spec.topics.map<uPlot.Series>((topic, i) => ({
        label: topic,
        stroke: colors.series[i % colors.series.length],
        width: 1.5,
        spanGaps: true,
        points: { show: false },
      })),
    ],
    axes: [{ ...axis, values: timeTicks, space: 70 }, { ...axis, size: 56 }],
  };
}
