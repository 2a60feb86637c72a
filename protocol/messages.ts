/**
 * The browser↔gateway wire format, version 1. Every frame is one JSON text
 * message with an `op` field. See docs/protocol.md for the prose version.
 */
import type { ErrorCode } from './errors.js';

/** Protocol version spoken by this build. */
export const PROTOCOL_VERSION = 1;

/** JSON-compatible value, as carried in a message's `data`. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One message on a topic, as delivered to subscribers. */
export interface Message {
  /** Topic the message belongs to. */
  topic: string;
  /** Id of the message in the topic's history stream; strictly increasing per topic. */
  id: string;
  /** Event time in epoch milliseconds (the producer's `ts`, or ingest time). */
  ts: number;
  /** Numeric value, for metric-like topics. */
  value?: number;
  /** Structured payload, for event-like topics. */
  data?: { [key: string]: Json };
}

/** The body of a message without its routing fields, as stored in history. */
export type MessageBody = Omit<Message, 'topic' | 'id'>;

// ── client → gateway ────────────────────────────────────────────────────────

/** One topic of a `sub` frame. */
export interface SubscribeTopic {
  topic: string;
  /** Resume after this id: everything newer from history, then live. */
  since?: string;
  /**
   * The epoch `since` belongs to (from `subscribed` or `reset`). When it is
   * absent, unknown or not the topic's current epoch, history was lost since
   * that id was seen: the gateway answers `reset` and a fresh snapshot
   * (by `snapshot`/`snapshotMs`) instead of a replay.
   */
  epoch?: string;
  /** Number of recent messages to send first when `since` is absent. */
  snapshot?: number;
  /**
   * Send first the messages whose `ts` is within the last `snapshotMs`
   * milliseconds (not when they were stored), newest `snapshot` (default MAX_SNAPSHOT) of them at most.
   * For charts with a time window. Ignored when `since` is present.
   */
  snapshotMs?: number;
}

export interface SubscribeFrame {
  op: 'sub';
  ref?: number;
  topics: SubscribeTopic[];
}

export interface UnsubscribeFrame {
  op: 'unsub';
  ref?: number;
  topics: string[];
}

export interface PingFrame {
  op: 'ping';
  ref?: number;
}

/**
 * Presents a token (a JWT signed with a key of the tenant it names in `aud`).
 * Sent as a frame because browsers cannot set WebSocket headers and URLs end
 * up in logs. May be sent again at any time to replace the token (re-auth
 * before expiry); subscriptions are kept.
 */
export interface AuthFrame {
  op: 'auth';
  ref?: number;
  token: string;
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame | AuthFrame;

// ── gateway → client ────────────────────────────────────────────────────────

/** First frame on every connection. */
export interface HelloFrame {
  op: 'hello';
  v: number;
  /** Interval of the gateway's WebSocket pings, in ms. */
  heartbeatMs: number;
  limits: { maxFrameBytes: number; maxSubscriptions: number; maxTopicsPerFrame: number; maxSnapshot: number; maxSnapshotMs: number };
}

/** Acknowledges a `sub`; the snapshot or replay follows in `msgs` frames. */
export interface SubscribedFrame {
  op: 'subscribed';
  ref?: number;
  topics: string[];
  /**
   * Each topic's history epoch, in the order of `topics` ('' where it could
   * not be read: an `unavailable` error for that topic follows). Ids are
   * comparable only within one epoch: send it back with `since`.
   */
  epochs?: string[];
}

/**
 * The topic's history was lost (a Redis without persistence restarted, a
 * flush, a failover to a stale replica, a new in-memory process): the ids the
 * client holds for it mean nothing any more. Drop what is cached for the
 * topic; a fresh snapshot follows in `msgs` frames, then live messages, all
 * of epoch `epoch`. Ids after a reset may be lower than ids before it.
 */
export interface ResetFrame {
  op: 'reset';
  topic: string;
  /** The topic's current epoch, to send with later `since`s. */
  epoch: string;
  /** The `since` that could not be served. */
  since: string;
}

/** Acknowledges an `unsub`. */
export interface UnsubscribedFrame {
  op: 'unsubscribed';
  ref?: number;
  topics: string[];
}

/** Messages for any number of topics, oldest first per topic. */
export interface MessagesFrame {
  op: 'msgs';
  msgs: Message[];
}

/**
 * History no longer reaches back to the `since` a client asked for: messages
 * after `since` and before `next` were lost to retention. Delivery goes on
 * from `next` (or from live data when `next` is absent).
 */
export interface GapFrame {
  op: 'gap';
  topic: string;
  since: string;
  next?: string;
}

/** Accepts an `auth` frame. `tenant` and `exp` (epoch seconds) are absent in development mode. */
export interface AuthedFrame {
  op: 'authed';
  ref?: number;
  tenant?: string;
  exp?: number;
  /** The token is an admin token: `$sys.…` topics are readable. */
  admin?: boolean;
}

export interface PongFrame {
  op: 'pong';
  ref?: number;
}

export interface ErrorFrame {
  op: 'error';
  code: ErrorCode;
  message: string;
  ref?: number;
  topic?: string;
}

export type ServerFrame =
  | HelloFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | MessagesFrame
  | GapFrame
  | ResetFrame
  | PongFrame
  | AuthedFrame
  | ErrorFrame;
