/**
 * Checks of `<rt-metric>`'s formatting and threshold attributes. Apart from
 * the code that uses them (loaded on first use, see metric-extras.ts) so a
 * bad value is refused at once, before any subscription.
 */
import type { FormatSpec, ValueFormat } from './value-format.js';

const FORMATS: readonly ValueFormat[] = ['', 'compact', 'percent', 'bytes', 'duration'];

/** Why these attributes cannot format, naming the attribute, or null. */
export function formatProblem(spec: FormatSpec): string | null {
  const d = spec.decimals;
  if (d !== undefined && d !== null && !(Number.isInteger(d) && d >= 0 && d <= 20)) return `decimals must be an integer from 0 to 20, got "${d}"`;
  if (!FORMATS.includes(spec.format as ValueFormat)) return `format must be one of compact, percent, bytes, duration, got "${spec.format}"`;
  if (spec.locale) {
    try {
      if (Intl.NumberFormat.supportedLocalesOf(spec.locale).length === 0) return `locale "${spec.locale}" is not supported by this browser`;
    } catch {
      return `locale must be a BCP 47 language tag such as "de-DE", got "${spec.locale}"`;
    }
  }
  return null;
}

/** Why these thresholds cannot be used, naming the attribute, or null. */
export function thresholdsProblem(t: { warn: string; crit: string; direction: string }): string | null {
  if (t.direction !== '' && t.direction !== 'above' && t.direction !== 'below') return `direction must be "above" or "below", got "${t.direction}"`;
  for (const name of ['warn', 'crit'] as const) {
    if (t[name] !== '' && !Number.isFinite(Number(t[name]))) return `${name} must be a number, got "${t[name]}"`;
  }
  if (t.warn !== '' && t.crit !== '') {
    const below = t.direction === 'below';
    const warn = Number(t.warn);
    const crit = Number(t.crit);
    if (below ? crit > warn : crit < warn) return `crit (${crit}) must be ${below ? 'at or below' : 'at or above'} warn (${warn}) with direction="${below ? 'below' : 'above'}"`;
  }
  return null;
}
