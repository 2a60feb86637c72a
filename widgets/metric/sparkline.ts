/**
 * The sparkline of `<rt-metric sparkline="5m">`: the recent window of values
 * as the points of one SVG polyline in a 100 × 24 box, scaled to the
 * window's own min and max. The metric draws it; it is decorative (the value
 * beside it says the same), so it is hidden from assistive technology.
 */
import type { ValueHistory } from './value-history.js';

/** Size of the sparkline's viewBox. */
export const SPARK_WIDTH = 100;
export const SPARK_HEIGHT = 24;

/** The polyline points of the samples from `fromTs` to `toTs` (epoch ms); empty until there are two. */
export function sparklinePoints(history: ValueHistory, fromTs: number, toTs: number): string {
  const n = history.size;
  if (n < 2) return '';
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = history.valueAt(i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const width = toTs - fromTs || 1;
  let points = '';
  for (let i = 0; i < n; i++) {
    const x = ((history.tsAt(i) - fromTs) / width) * SPARK_WIDTH;
    const y = SPARK_HEIGHT - 1 - ((history.valueAt(i) - min) / span) * (SPARK_HEIGHT - 2);
    points += `${x.toFixed(1)},${y.toFixed(1)} `;
  }
  return points.trimEnd();
}
