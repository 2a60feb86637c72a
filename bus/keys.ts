/**
 * Names of everything rt keeps in Redis (documented in docs/streams.md).
 * A topic's keys share the hash tag `{topic}` so that its history stream,
 * its channel and its source mark live in one Redis Cluster slot: that is
 * what lets one script append and publish atomically, and lets sharded
 * Pub/Sub (SPUBLISH/SSUBSCRIBE) follow the stream.
 */

export interface KeyNames {
  /** Ingest stream partition `p`. */
  ingest(partition: number): string;
  /**
   * Idempotency mark on partition `p` (same hash tag as its stream):
   * `r <request key>` or `e <topic> <event id>` (neither may contain a space).
   */
  seen(partition: number, mark: string): string;
  /** Lease key naming the processor that owns partition `p`. */
  lease(partition: number): string;
  /** History stream of a topic. */
  history(topic: string): string;
  /** Pub/Sub channel of a topic. */
  channel(topic: string): string;
  /** History epoch of a topic (a short random string; see bus/epoch.ts). */
  epoch(topic: string): string;
  /** Last ingest entry published on a topic, `<partition>/<id>` (duplicate suppression). */
  source(topic: string): string;
  /** Sorted set of live processors, scored by when their presence expires. */
  processors(): string;
  /** Window checkpoint of partition `p` for consumer group `group` (same hash tag as the partition). */
  windows(partition: number, group: string): string;
  /** Stream of ingest entries the processor could not use. */
  deadLetters(): string;
}

/** Key names under `prefix` (default "rt"). */
export function keyNames(prefix = 'rt'): KeyNames {
  return {
    ingest: (p) => `${prefix}:in:{${p}}`,
    lease: (p) => `${prefix}:in:{${p}}:owner`,
    seen: (p, mark) => `${prefix}:in:{${p}}:seen:${mark}`,
    history: (t) => `${prefix}:{${t}}:h`,
    channel: (t) => `${prefix}:{${t}}:c`,
    source: (t) => `${prefix}:{${t}}:src`,
    epoch: (t) => `${prefix}:{${t}}:e`,
    processors: () => `${prefix}:processors`,
    windows: (p, group) => `${prefix}:in:{${p}}:windows:${group}`,
    deadLetters: () => `${prefix}:dead`,
  };
}
