/**
 * Thresholds of `<rt-metric>`: `warn` and `crit` values and a `direction`
 * (`above`, the default: higher is worse; `below`: lower is worse). A value
 * at or past a bound is at that level.
 */

/** How bad a value is. */
export type ThresholdLevel = 'ok' | 'warn' | 'crit';

/** The thresholds, as numbers (NaN when unset). */
export interface Thresholds {
  warn: number;
  crit: number;
  direction: string;
}

/** The level of `value` against the thresholds. */
export function thresholdLevel(value: number, t: Thresholds): ThresholdLevel {
  const past = t.direction === 'below' ? (bound: number) => value <= bound : (bound: number) => value >= bound;
  if (!Number.isNaN(t.crit) && past(t.crit)) return 'crit';
  if (!Number.isNaN(t.warn) && past(t.warn)) return 'warn';
  return 'ok';
}

/** The level in words, with the bound it passed ("critical: at or above 95"). */
export function levelWords(level: ThresholdLevel, t: Thresholds, format: (n: number) => string): string {
  if (level === 'ok') return '';
  const side = t.direction === 'below' ? 'at or below' : 'at or above';
  return level === 'crit' ? `critical: ${side} ${format(t.crit)}` : `warning: ${side} ${format(t.warn)}`;
}
