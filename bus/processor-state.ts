/**
 * The processor-state role: what the processor keeps beside the ingest log so
 * that another processor can take a partition over exactly where it was —
 * a checkpoint of the partition's open aggregation windows, stored in the same
 * atomic step that acknowledges the entries folded into it — and the
 * dead-letter stream of entries a rule could not use. Engines:
 * `RedisProcessorState` and `MemoryProcessorState`, both held to
 * test/node/processor-state.contract.test.ts.
 */

/** An ingest entry the processor could not use, and why. */
export interface DeadLetter {
  /** Machine-readable reason: `malformed_entry`, `misplaced_entry`, `field_missing`, `field_not_number`, `route_invalid`. */
  code: string;
  /** Human-readable reason, naming the rule and field where there is one. */
  reason: string;
  partition: number;
  /** The ingest entry's id. */
  id: string;
  /** The original entry as JSON: the event, or the raw stream fields when it was malformed. */
  entry: string;
}

/** A dead letter as stored, with its id in the dead-letter stream. */
export interface StoredDeadLetter extends DeadLetter {
  deadLetterId: string;
}

export interface ProcessorState {
  /** The window checkpoint of a partition for `group`, or null when none was stored. */
  checkpoint(group: string, partition: number): Promise<string | null>;

  /**
   * Acknowledges `ids` on a partition and, when `checkpoint` is not null,
   * stores it as the partition's window checkpoint — both or neither, so a
   * checkpoint always covers exactly the acknowledged entries. Fenced by the
   * partition lease: resolves false, having done nothing, unless `owner`
   * holds it now (another owner's, or expired).
   */
  commit(owner: string, group: string, partition: number, ids: readonly string[], checkpoint: string | null): Promise<boolean>;

  /** Appends to the dead-letter stream (capped; oldest dropped first). */
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;

  /** The newest `count` dead letters, oldest first. */
  deadLetters(count: number): Promise<StoredDeadLetter[]>;
}
