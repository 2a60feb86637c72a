/**
 * Message ids are the ids of the topic's history stream entries:
 * `<milliseconds>-<sequence>`, both non-negative integers written without
 * leading zeros (as Redis writes them), ordered first by milliseconds then by
 * sequence (exactly Redis stream id order).
 */

const ID = /^(0|[1-9]\d{0,15})-(0|[1-9]\d{0,15})$/;

/** The id that sorts before every real id. */
export const ID_ZERO = '0-0';

/** True when `value` is a well-formed message id. */
export function isMessageId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ID.exec(value);
  return m !== null && Number.isSafeInteger(Number(m[1])) && Number.isSafeInteger(Number(m[2]));
}

/** Compares the digit runs a[aFrom, aTo) and b[bFrom, bTo) as integers without leading zeros. */
function compareDigits(a: string, aFrom: number, aTo: number, b: string, bFrom: number, bTo: number): number {
  const byLength = aTo - aFrom - (bTo - bFrom);
  if (byLength !== 0) return byLength;
  for (let i = 0; i < aTo - aFrom; i++) {
    const d = a.charCodeAt(aFrom + i) - b.charCodeAt(bFrom + i);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Compares two well-formed ids: negative when `a` is older than `b`, zero when
 * equal, positive when newer. Compares digits in place without allocating:
 * this runs per message per recipient on the gateway's hot path.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ms = compareDigits(a, 0, da, b, 0, db);
  return ms !== 0 ? ms : compareDigits(a, da + 1, a.length, b, db + 1, b.length);
}

const EPOCH = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * True when `value` is a well-formed history epoch: 1 to 32 characters of
 * A–Z, a–z, 0–9, `_` and `-` (the gateway's are 8 base64url characters).
 */
export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && EPOCH.test(value);
}
