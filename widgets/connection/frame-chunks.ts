/**
 * Splits the topics of one `sub` or `unsub` request into frames that respect
 * the gateway's limits: at most `maxTopics` entries and `maxBytes` of JSON per
 * frame. Resubscribing 1000 topics after a reconnect thus costs ten frames,
 * none of which the gateway refuses as too large.
 */

/** Limits a frame must stay within. */
export interface FrameLimits {
  maxTopics: number;
  maxBytes: number;
}

/** Room left in each frame for `{"op":"unsub","ref":2147483647,"topics":[]}`. */
const ENVELOPE_BYTES = 64;

/**
 * Groups `items` into chunks within `limits`; `sizeOf` is an item's encoded
 * length in bytes (topics and ids are ASCII, so string length will do). An
 * item larger than a whole frame still gets a chunk of its own: the gateway's
 * error names it, which beats dropping it silently.
 */
export function chunkForFrames<T>(items: readonly T[], limits: FrameLimits, sizeOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const item of items) {
    const size = sizeOf(item) + 1;
    if (chunk.length > 0 && (chunk.length >= limits.maxTopics || bytes + size > limits.maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = ENVELOPE_BYTES;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
