/**
 * Reconnect delays: exponential backoff with full jitter. Jitter spreads the
 * reconnects of many pages after a gateway restart over the whole interval
 * instead of letting them arrive in synchronized waves.
 */

/** Shape of the backoff curve. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. */
  baseMs: number;
  /** Largest delay, in ms, however many attempts failed. */
  capMs: number;
}

/** The defaults the connection manager uses. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/**
 * Delay before reconnect attempt number `attempt` (0 for the first retry):
 * uniformly random in [0, min(cap, base·2^attempt)).
 *
 * @param random - source of uniform numbers in [0, 1); injectable for tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  // Clamp the exponent so 2^attempt never overflows to Infinity on long outages.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
