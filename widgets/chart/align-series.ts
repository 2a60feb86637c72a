/**
 * uPlot draws series that share one x array. Topics tick at their own times,
 * so their windows are merged on time: the x array is the union of all
 * times, and a series has `null` where it has no point (drawn across with
 * `spanGaps`).
 */
import type uPlot from 'uplot';
import type { SeriesWindow } from './series-window.js';

/** Merges sorted windows into uPlot's aligned data, in one pass over all points. */
export function alignSeries(windows: readonly SeriesWindow[]): uPlot.AlignedData {
  const k = windows.length;
  const heads = new Array<number>(k).fill(0);
  const xs: number[] = [];
  const columns: (number | null)[][] = windows.map(() => []);
  for (;;) {
    let x = Infinity;
    for (let j = 0; j < k; j++) {
      if (heads[j] < windows[j].length && windows[j].x(heads[j]) < x) x = windows[j].x(heads[j]);
    }
    if (x === Infinity) break;
    xs.push(x);
    for (let j = 0; j < k; j++) {
      const w = windows[j];
      let value: number | null = null;
      // Several points of one series at the same time collapse to the last.
      while (heads[j] < w.length && w.x(heads[j]) === x) value = w.y(heads[j]++);
      columns[j].push(value);
    }
  }
  return [xs, ...columns] as uPlot.AlignedData;
}
