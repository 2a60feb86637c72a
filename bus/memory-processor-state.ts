/**
 * The processor state in memory: checkpoints in a map and a capped
 * dead-letter list. Commits acknowledge through the memory ingest log; one
 * process and no awaits in between make the pair atomic. The lease fence
 * is the processor's own: in one process a lease is never lost to a pause.
 */
import { EntryQueue } from './entry-queue.js';
import type { MemoryIngestLog } from './memory-ingest-log.js';
import type { DeadLetter, ProcessorState, StoredDeadLetter } from './processor-state.js';
import { StreamIdClock } from './stream-id.js';

export class MemoryProcessorState implements ProcessorState {
  private readonly checkpoints = new Map<string, string>();
  private readonly letters = new EntryQueue<StoredDeadLetter>();
  private readonly clock = new StreamIdClock();

  constructor(
    private readonly ingest: MemoryIngestLog,
    private readonly deadLetterMaxLen = 10_000,
  ) {}

  async checkpoint(group: string, partition: number): Promise<string | null> {
    return this.checkpoints.get(`${group}\u0000${partition}`) ?? null;
  }

  async commit(_owner: string, group: string, partition: number, ids: readonly string[], checkpoint: string | null): Promise<boolean> {
    // Acknowledge first: it is what throws (unknown group or partition), and then nothing changed.
    await this.ingest.ack(group, ids.map((id) => ({ partition, id })));
    if (checkpoint !== null) this.checkpoints.set(`${group}\u0000${partition}`, checkpoint);
    return true;
  }

  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) this.letters.push({ ...letter, deadLetterId: this.clock.next() });
    if (this.letters.length > this.deadLetterMaxLen) this.letters.dropFirst(this.letters.length - this.deadLetterMaxLen);
  }

  async deadLetters(count: number): Promise<StoredDeadLetter[]> {
    return this.letters.slice(Math.max(0, this.letters.length - count), this.letters.length);
  }
}
