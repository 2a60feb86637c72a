/**
 * Durations as page authors write them in attributes: a number and a unit,
 * `500ms`, `30s`, `5m`, `1h`. A bare number is refused rather than guessed
 * (seconds? milliseconds?).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** Longest duration accepted: 30 days, far beyond any sensible staleness bound. */
export const MAX_DURATION_MS = 30 * 24 * 3_600_000;

/**
 * Milliseconds of `text`, or an explanation of why it is not a duration
 * (a string starting with what was expected).
 */
export function parseDuration(text: string): number | string {
  const match = DURATION.exec(text);
  if (!match) return `a duration such as "30s", "500ms", "5m" or "1h"`;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (!(ms > 0) || ms > MAX_DURATION_MS) return 'a duration above 0 and at most 30 days';
  return ms;
}

/** Says how long `ms` is in the largest whole unit that fits: `12 s`, `4 min`, `3 h`, `2 days`. */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}
