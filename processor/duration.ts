/**
 * Durations in the config file: a whole number and a unit, as people write
 * them ("500ms", "10s", "5m", "1h", "1d"). One parser, so the schema, the
 * rules and the docs agree on what is accepted.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The accepted syntax, as a JSON Schema `pattern`. */
export const DURATION_PATTERN = '^[1-9][0-9]{0,8}(ms|s|m|h|d)$';

const DURATION = new RegExp(DURATION_PATTERN);

/** Milliseconds of a duration such as "10s", or null when `text` is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  return Number(text.slice(0, text.length - match[1].length)) * UNITS[match[1]];
}
