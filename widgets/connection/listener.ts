/**
 * What a subscriber hands to `subscribe()`: callbacks and the little the
 * connection manager needs to know to serve it well.
 */
import type { DeliveryMode, ErrorFrame, GapFrame, Message, ResetFrame } from '../../protocol/index.js';
import type { TokenSource } from './token-source.js';

/**
 * State of the shared socket to one gateway.
 *
 * - `connecting`: first attempt, nothing received yet.
 * - `open`: the gateway said hello; subscriptions are live. A listener is told
 *   `open` only once the gateway acknowledged its topic (`subscribed`), so what
 *   is published after it heard `open` reaches it; until then it hears `connecting`.
 * - `reconnecting`: the socket dropped (or never opened) and a retry is scheduled or under way.
 * - `closed`: no subscriptions left, so the socket was closed on purpose.
 * - `unauthorized`: the gateway refused the token (4401) and the token source gave the same one again;
 *   no more attempts until a new token source is set.
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'unauthorized';

/** Callbacks and options of one subscription to one topic. */
export interface TopicListener {
  /**
   * Receives new messages of the topic, oldest first, at most once per
   * animation frame. Messages are never repeated and never out of order.
   */
  onMessages(messages: readonly Message[]): void;
  /** History no longer reached back far enough: messages between `since` and `next` are lost. */
  onGap?(gap: GapFrame): void;
  /**
   * The topic's history was lost on the server (see the `reset` frame): drop
   * everything kept for this topic. A fresh snapshot follows in
   * `onMessages`; its ids may be lower than those delivered before. Without
   * `onReset`, the listener gets `onGap` with `since` = the last id it had
   * and no `next`, and the snapshot after it.
   */
  onReset?(reset: ResetFrame): void;
  /** The shared socket changed state; called once right away with the current state. */
  onStatus?(status: ConnectionStatus): void;
  /** The gateway refused something about this topic (bad topic, not authorized, limits). */
  onError?(error: ErrorFrame): void;
  /**
   * How many recent messages to receive first. The gateway's default applies
   * when no listener of the topic says (the latest value for metrics, more for events).
   */
  snapshot?: number;
  /**
   * Receive first the messages whose event time (`ts`) is within the last
   * `snapshotMs` milliseconds (not when they were stored), newest `snapshot`
   * (default MAX_SNAPSHOT) of them at most: for views of a time window, whose
   * right count depends on the topic's rate. An integer from 1 to
   * MAX_SNAPSHOT_MS (one day). Not applied when resuming after a reconnect,
   * which delivers exactly what was missed.
   */
  snapshotMs?: number;
  /** Most messages per second for this topic; the gateway conflates to it (newest wins, the final value always arrives). */
  maxRate?: number;
  /** What the topic gets while the connection is backed up: `latest` or `all` (default by the topic's kind). */
  mode?: DeliveryMode;
  /**
   * Most messages kept for this listener between two frames; older ones are
   * dropped. A metric needs only the latest (1); a log its length.
   */
  maxBuffered?: number;
}

/** Options of the public `subscribe()` on top of the listener itself. */
export interface SubscribeOptions extends TopicListener {
  /**
   * Gateway to use: ws(s):// URL, http(s):// URL of the gateway host, or a
   * URL relative to the page. Defaults to `/ws` on the host that served rt.js.
   */
  gateway?: string;
  /**
   * Forces the page's connection to this gateway onto one transport:
   * `websocket`, `sse` (the fallback), or `auto` (WebSocket, SSE when it
   * cannot open). Unset leaves the connection as it is (see `configure`).
   */
  transport?: 'auto' | 'websocket' | 'sse';
  /**
   * Token for the gateway (see docs/security.md): a string, or a function
   * returning one or a promise of one, called before every connect and ahead
   * of expiry. Applies to the whole connection to this gateway; without it,
   * the page-wide `configure({ token })` applies.
   */
  token?: TokenSource | null;
}

/** Ends a subscription. Calling it more than once is harmless. */
export type Unsubscribe = () => void;
