/**
 * The broker role: per-topic publish with history, live subscriptions and
 * replay (what the processor publishes to and the gateway serves from).
 * Engines: `RedisBroker` and `MemoryBroker`, both held to
 * test/node/broker.contract.test.ts.
 */
import type { MessageBody } from '../protocol/index.js';

/** A message for the processor to publish on a topic. */
export interface PublishRequest {
  topic: string;
  body: MessageBody;
  /**
   * The ingest entry that produced this message, as `<partition>/<id>`. A
   * publish whose source is not newer than the topic's last recorded source is
   * skipped, so a processor that crashed between publish and ack can redo its
   * pending entries without publishing anything twice.
   */
  source?: { partition: number; id: string };
}

/** A history stream entry: its id and the JSON of its `MessageBody`. */
export interface HistoryEntry {
  id: string;
  body: string;
}

/** What `history` found after a given id. */
export interface HistoryRange {
  /** Entries newer than the requested id, oldest first, at most `limit`. */
  entries: HistoryEntry[];
  /** True when entries newer than the requested id were trimmed away. */
  gap: boolean;
}

/** Where a topic's history stands (see Broker.position). */
export interface TopicPosition {
  /** The history's epoch: changes whenever the history was lost and started over. */
  epoch: string;
  /** The newest id the history ever held ("0-0" when none): ids beyond it were never in this history. */
  top: string;
}

/** Receives live messages of one topic: the message id and its body JSON. */
export type TopicListener = (id: string, body: string) => void;

export interface Broker {
  /**
   * Publishes messages, pipelined. Each one atomically appends to the topic's
   * history stream and publishes on its channel. Resolves with each new id,
   * or null where the publish was skipped as a duplicate of its source.
   * On Redis with replicas to wait for (RT_REDIS_WAIT_REPLICAS), a call with
   * any sourced request resolves only once that many replicas have it, and
   * rejects with `ReplicaAckError` when fewer confirm in time: its sources
   * must then not be acknowledged (a redo publishes nothing twice).
   */
  publish(requests: readonly PublishRequest[]): Promise<(string | null)[]>;

  /**
   * Subscribes to a topic's channel. Resolves once the subscription is active:
   * every message published after that is delivered to `listener`, in order.
   * Resolves with the function that ends this subscription.
   */
  subscribe(topic: string, listener: TopicListener): Promise<() => Promise<void>>;

  /**
   * Registers a callback for when live delivery was interrupted (the
   * subscriber connection dropped): messages published meanwhile were not
   * delivered, and every subscription has ended. Subscribers must subscribe
   * again and catch up from history. The memory broker is never interrupted.
   */
  onInterruption(callback: () => void): void;

  /**
   * The topic's history epoch (created when absent, so it exists from the
   * first read or publish on) and the newest id its history ever held.
   */
  position(topic: string): Promise<TopicPosition>;

  /**
   * position() of several topics at once, in their order: each one's
   * position, or the error that kept it from being read. Never rejects.
   * (A gateway asks for the topics of one `sub` frame together.)
   */
  positions(topics: readonly string[]): Promise<(TopicPosition | Error)[]>;

  /** History entries of a topic newer than `since`, oldest first, at most `limit`. */
  history(topic: string, since: string, limit: number): Promise<HistoryRange>;

  /**
   * The newest `count` history entries of a topic, oldest first; with
   * `minId`, only entries whose id is at least `minId` (a time window, since
   * ids start with their milliseconds). The array may be shared by every
   * caller that asked for the same in one tick: read it, do not change it.
   */
  latest(topic: string, count: number, minId?: string): Promise<readonly HistoryEntry[]>;
}
