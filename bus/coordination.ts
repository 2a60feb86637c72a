/**
 * The coordination role: partition leases and processor presence, what lets
 * several processors share the ingest partitions. Engines:
 * `RedisCoordination` and `MemoryCoordination`, both held to
 * test/node/coordination.contract.test.ts.
 */

export interface Coordination {
  /**
   * Takes or renews the lease on a partition for `owner`. A partition has one
   * owner at a time; the lease expires after `ttlMs` unless renewed.
   * Resolves true when `owner` holds the lease afterwards. With
   * `takeOverFrom`, a lease whose owner starts with that prefix is taken at
   * once too: a processor restarted under the same name takes its earlier
   * run's leases (tokens `<name>#<n>`) without waiting for them to expire.
   */
  lease(partition: number, owner: string, ttlMs: number, takeOverFrom?: string): Promise<boolean>;

  /**
   * Renews a lease `owner` holds now, for `ttlMs` more. Resolves false, doing
   * nothing, when the lease expired (even if nobody took it since) or another
   * owner holds it: an owner that missed its renewal has lost the partition
   * and must take it again, with its pending entries and checkpoint, rather
   * than go on from state someone else may have moved past.
   */
  renewLease(partition: number, owner: string, ttlMs: number): Promise<boolean>;

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
}
