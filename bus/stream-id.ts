import { compareIds } from '../protocol/index.js';

/**
 * Generates Redis-compatible stream ids for the memory bus: milliseconds of
 * the wall clock, never going back, with a sequence within one millisecond.
 */
export class StreamIdClock {
  private ms = 0;
  private seq = 0;

  /** The last id handed out ("0-0" before any). */
  get last(): string {
    return `${this.ms}-${this.seq}`;
  }

  /** Milliseconds of the last id returned by `next`. */
  get lastMs(): number {
    return this.ms;
  }

  /** Sequence of the last id returned by `next`. */
  get lastSeq(): number {
    return this.seq;
  }

  next(): string {
    const now = Date.now();
    if (now > this.ms) {
      this.ms = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.ms}-${this.seq}`;
  }
}

/** True when source mark `candidate` ("p/id") is newer than `last` for the same partition. */
export function isNewerSource(candidate: { partition: number; id: string }, last: string | null): boolean {
  if (last === null) return true;
  const slash = last.indexOf('/');
  if (Number(last.slice(0, slash)) !== candidate.partition) return true;
  return compareIds(candidate.id, last.slice(slash + 1)) > 0;
}
