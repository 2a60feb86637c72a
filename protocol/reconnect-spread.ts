/**
 * The reconnect spread window. When the gateway closes connections on
 * purpose (1001 going away, 1012 service restart) it names, at the start of
 * the close reason, a window in which clients should come back:
 * `spread=<ms>; <text>`. A client waits a uniformly random time within the
 * window (and, while attempts fail before the gateway answers, again within
 * the same window) instead of its exponential backoff, so a restarted
 * gateway sees its clients return evenly spread over the window rather than
 * all at once or long after it is up. See docs/protocol.md.
 */

/** The window the gateway names by default, in ms. */
export const DEFAULT_RECONNECT_SPREAD_MS = 3_000;

/** Largest window a client honours, in ms: a bigger value is clamped. */
export const MAX_RECONNECT_SPREAD_MS = 60_000;

/** Longest close reason a WebSocket allows, in bytes (RFC 6455 §5.5). */
const MAX_REASON_BYTES = 123;

const SPREAD = /^spread=(\d{1,9})(?:;|$)/;

/** Builds a close reason naming the spread window, cut to the WebSocket limit. */
export function encodeSpreadReason(spreadMs: number, text: string): string {
  // Printable ASCII only, so characters and bytes count the same.
  const reason = `spread=${Math.max(0, Math.round(spreadMs))}; ${text.replace(/[^\x20-\x7e]/g, '?')}`;
  return reason.slice(0, MAX_REASON_BYTES);
}

/** The window named by a close reason, clamped to MAX_RECONNECT_SPREAD_MS, or null when it names none. */
export function parseSpreadReason(reason: unknown): number | null {
  if (typeof reason !== 'string') return null;
  const match = SPREAD.exec(reason);
  if (!match) return null;
  return Math.min(Number(match[1]), MAX_RECONNECT_SPREAD_MS);
}
