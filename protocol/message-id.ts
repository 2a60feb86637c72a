/**
 * Message ids are the ids of the topic's history stream entries:
 * `<milliseconds>-<sequence>`, both non-negative integers, ordered first by
 * milliseconds then by sequence (exactly Redis stream id order).
 */

const ID = /^(\d{1,16})-(\d{1,16})$/;

/** The id that sorts before every real id. */
export const ID_ZERO = '0-0';

/** True when `value` is a well-formed message id. */
export function isMessageId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ID.exec(value);
  return m !== null && Number.isSafeInteger(Number(m[1])) && Number.isSafeInteger(Number(m[2]));
}

/**
 * Compares two well-formed ids: negative when `a` is older than `b`, zero when
 * equal, positive when newer. Plain integer compares, no allocation beyond the
 * two slices: this runs per message on the gateway's hot path.
 */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = Number(a.slice(0, da));
  const mb = Number(b.slice(0, db));
  if (ma !== mb) return ma - mb;
  return Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}
