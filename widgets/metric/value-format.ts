/**
 * How `<rt-metric>` turns a number into text: `Intl.NumberFormat` for the
 * reader's locale (or `locale`), with `decimals`, and a `format`:
 *
 * - none: the number as is (up to 2 fraction digits unless `decimals`);
 * - `compact`: 1.2K, 3.4M (the locale's short forms);
 * - `percent`: a fraction shown as a percentage (0.25 → 25 %), as Intl does;
 * - `bytes`: a count of bytes in the largest decimal unit that keeps it ≥ 1 (kB, MB, GB…);
 * - `duration`: milliseconds in the largest unit that keeps it ≥ 1 (ms, s, min, h, d).
 *
 * Formatters are built once per attribute change, never per value.
 */

/** The values `format` accepts. */
export type ValueFormat = '' | 'compact' | 'percent' | 'bytes' | 'duration';

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;
const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
  ['millisecond', 1],
];

/** The attributes that decide formatting. */
export interface FormatSpec {
  decimals?: number | null;
  format: string;
  locale: string;
}

/** Formats numbers as the spec says (which must be free of problems). */
export function valueFormatter(spec: FormatSpec): (value: number) => string {
  const locale = spec.locale || undefined;
  const d = spec.decimals;
  const digits: Intl.NumberFormatOptions =
    d === undefined || d === null || Number.isNaN(d) ? { maximumFractionDigits: spec.format === 'percent' ? 1 : 2 } : { minimumFractionDigits: d, maximumFractionDigits: d };
  switch (spec.format as ValueFormat) {
    case 'compact': {
      // Without decimals, Intl's own compact rounding (12K, 1.2M) reads best.
      const f = new Intl.NumberFormat(locale, d === undefined || d === null || Number.isNaN(d) ? { notation: 'compact' } : { notation: 'compact', ...digits });
      return (v) => f.format(v);
    }
    case 'percent': {
      const f = new Intl.NumberFormat(locale, { style: 'percent', ...digits });
      return (v) => f.format(v);
    }
    case 'bytes': {
      const fs = BYTE_UNITS.map((unit) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', ...digits }));
      return (v) => {
        let i = 0;
        let n = v;
        while (Math.abs(n) >= 1000 && i < fs.length - 1) {
          n /= 1000;
          i++;
        }
        return fs[i].format(n);
      };
    }
    case 'duration': {
      const fs = DURATION_UNITS.map(([unit, ms]) => [new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', ...digits }), ms] as const);
      return (v) => {
        for (const [f, ms] of fs) if (Math.abs(v) >= ms) return f.format(v / ms);
        return fs[fs.length - 1][0].format(v);
      };
    }
    default: {
      const f = new Intl.NumberFormat(locale, digits);
      return (v) => f.format(v);
    }
  }
}
