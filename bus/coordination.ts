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
}
