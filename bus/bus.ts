/**
 * The message bus that ties ingest → processor → gateway. One interface, two
 * engines: `RedisBus` (node-redis; scale-out) and `MemoryBus` (single process,
 * the default). Both pass the contract suite in test/node/bus.contract.test.ts.
 */
import type { Json, MessageBody } from '../protocol/index.js';

/** A producer event after validation by ingest: `ts` is always set. */
export interface IngestEvent {
  topic: string;
  ts: number;
  value?: number;
  data?: { [key: string]: Json };
}

/** One entry of an ingest stream partition, as read by a consumer group. */
export interface IngestEntry {
  partition: number;
  /** Entry id within its partition stream. */
  id: string;
  /** The event, or null when the entry is malformed (written directly by a producer). */
  event: IngestEvent | null;
  /** Why the entry is malformed, when `event` is null. */
  problem?: string;
}

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

/** Receives live messages of one topic: the message id and its body JSON. */
export type TopicListener = (id: string, body: string) => void;

/** Options of a consumer-group read. */
export interface ReadOptions {
  /** Read this consumer's pending (delivered, unacknowledged) entries instead of new ones. */
  pending: boolean;
  /** Most entries to return per partition. */
  count: number;
  /** How long to wait for new entries when there are none (ignored for pending reads). */
  blockMs: number;
}

export interface Bus {
  /** Number of ingest stream partitions. */
  readonly partitions: number;

  /** Partition that carries a topic's events (stable hash of the topic). */
  partitionOf(topic: string): number;

  /** Appends events to the ingest stream, pipelined; resolves with their entry ids. */
  append(events: IngestEvent[]): Promise<string[]>;

  /** Creates the consumer group on every partition if missing (from the start of each stream). */
  ensureGroup(group: string): Promise<void>;

  /**
   * Takes or renews the lease on a partition for `owner`. A partition has one
   * owner at a time; the lease expires after `ttlMs` unless renewed.
   * Resolves true when `owner` holds the lease afterwards.
   */
  lease(partition: number, owner: string, ttlMs: number): Promise<boolean>;

  /** Gives up a lease held by `owner` (no-op when someone else holds it). */
  releaseLease(partition: number, owner: string): Promise<void>;

  /**
   * Announces `member` as a live processor until `ttlMs` from now and
   * resolves with the number of live processors (itself included). Processors
   * use it to take only their fair share of the partitions.
   */
  presence(member: string, ttlMs: number): Promise<number>;

  /** Withdraws `member` from the live processors at once (orderly shutdown). */
  leavePresence(member: string): Promise<void>;

  /** Moves every pending entry of the group on a partition to `consumer`. */
  takeOverPending(group: string, consumer: string, partition: number): Promise<number>;

  /** Reads entries of the given partitions as `consumer` of `group`. */
  read(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]>;

  /** Acknowledges processed entries. */
  ack(group: string, entries: readonly Pick<IngestEntry, 'partition' | 'id'>[]): Promise<void>;

  /**
   * Publishes messages, pipelined. Each one atomically appends to the topic's
   * history stream and publishes on its channel. Resolves with each new id,
   * or null where the publish was skipped as a duplicate of its source.
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
   * again and catch up from history. The memory bus is never interrupted.
   */
  onInterruption(callback: () => void): void;

  /** History entries of a topic newer than `since`, oldest first, at most `limit`. */
  history(topic: string, since: string, limit: number): Promise<HistoryRange>;

  /**
   * The newest `count` history entries of a topic, oldest first; with
   * `minId`, only entries whose id is at least `minId` (a time window, since
   * ids start with their milliseconds).
   */
  latest(topic: string, count: number, minId?: string): Promise<HistoryEntry[]>;

  /** True while the bus can serve requests (for /healthz). */
  healthy(): boolean;

  /** Closes connections; pending reads resolve empty. */
  close(): Promise<void>;
}
