/** Protocol limits. A gateway may be configured lower, never higher. */

/** Largest client frame, in bytes. Larger frames close the socket with 1009. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/** Most topics in one `sub` or `unsub` frame. */
export const MAX_TOPICS_PER_FRAME = 100;

/** Most topics one connection may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 1000;

/** Most messages a subscriber may ask for as its snapshot. */
export const MAX_SNAPSHOT = 5000;

/** Longest time window a subscriber may ask for as its snapshot (`snapshotMs`): one day. */
export const MAX_SNAPSHOT_MS = 24 * 60 * 60 * 1000;

/** Snapshot size when a subscriber does not say: the latest value of a value topic. */
export const DEFAULT_VALUE_SNAPSHOT = 1;

/** Snapshot size when a subscriber does not say, for event topics (messages with `data`). */
export const DEFAULT_EVENT_SNAPSHOT = 50;

/** Largest `ref` a client may attach to a frame (it is echoed back). */
export const MAX_REF = 2 ** 31 - 1;

/** Longest token an `auth` frame may carry, in characters. */
export const MAX_TOKEN_LENGTH = 8192;
