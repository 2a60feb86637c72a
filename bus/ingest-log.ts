/**
 * The ingest log role: partitioned, append-only streams of producer events,
 * read by consumer groups with pending entries (what ingest writes and the
 * processor consumes). Engines: `RedisIngestLog` and `MemoryIngestLog`, both
 * held to test/node/ingest-log.contract.test.ts.
 */
import type { Json } from '../protocol/index.js';

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
  /** The entry's raw fields, when `event` is null (for the dead-letter stream). */
  raw?: { [field: string]: string };
}

/** Options of a consumer-group read. */
export interface ReadOptions {
  /** Read this consumer's pending (delivered, unacknowledged) entries instead of new ones. */
  pending: boolean;
  /** Most entries to return per partition. */
  count: number;
  /** How long to wait for new entries when there are none (ignored for pending reads). */
  blockMs: number;
}

/** What a fenced read returned. */
export interface FencedRead {
  entries: IngestEntry[];
  /** Partitions not read because another processor holds their lease. */
  refused: number[];
}

/**
 * Idempotency of an append. A key is remembered per partition for
 * `windowMs`: an event whose request key or event id was already appended
 * to its partition within the window is skipped (its id is null), so a
 * producer's retry does not append anything twice.
 */
export interface AppendOptions {
  /** Key of the whole request (the `Idempotency-Key` header). */
  requestKey?: string;
  /** Producer ids of the events, parallel to them (undefined = none). */
  eventIds?: readonly (string | undefined)[];
  /** How long keys are remembered, in ms (default 300 000). */
  windowMs?: number;
}

/** Default idempotency window: 5 minutes. */
export const IDEMPOTENCY_WINDOW_MS = 300_000;

/** What one partition keeps: its unprocessed backlog. */
export interface PartitionBacklog {
  partition: number;
  /**
   * Entries kept: everything from the oldest entry that some consumer group
   * has not yet read or not yet acknowledged (with no group yet, everything).
   */
  entries: number;
  /** Age of the oldest kept entry in ms, by its id's time (0 when none is kept). */
  oldestAgeMs: number;
}

export interface IngestLog {
  /** Number of ingest stream partitions. */
  readonly partitions: number;

  /** Partition that carries a topic's events (stable hash of the topic). */
  partitionOf(topic: string): number;

  /**
   * Appends events to their partitions; resolves with their entry ids, or
   * null for an event skipped as a duplicate (see `AppendOptions`). Appends
   * of the same turn of the event loop may be written together.
   */
  append(events: readonly IngestEvent[], options?: AppendOptions): Promise<(string | null)[]>;

  /** Creates the consumer group on every partition if missing (from the start of each stream). */
  ensureGroup(group: string): Promise<void>;

  /** Moves every pending entry of the group on a partition to `consumer`. */
  takeOverPending(group: string, consumer: string, partition: number): Promise<number>;

  /** Reads entries of the given partitions as `consumer` of `group`. */
  read(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]>;

  /** Acknowledges processed entries. */
  ack(group: string, entries: readonly Pick<IngestEntry, 'partition' | 'id'>[]): Promise<void>;

  /**
   * `read`, fenced by partition leases: `leases` maps each partition to read
   * to the lease token its reader holds, and a partition whose lease that
   * token does not hold now (another owner's, or expired) is not read and is
   * listed in `refused`. A processor that paused past its lease thus never
   * takes entries its successor has moved on from (they would stay pending
   * with it, unseen).
   */
  readFenced(leases: ReadonlyMap<number, string>, group: string, consumer: string, options: ReadOptions): Promise<FencedRead>;

  /**
   * Removes, on every partition, the entries that every consumer group has
   * acknowledged, and reports what is left. It never removes an entry that a
   * group has not read or not acknowledged, and removes nothing from a
   * partition without a group: an appended entry stays until it is processed.
   */
  trimAcknowledged(): Promise<PartitionBacklog[]>;
}
