/**
 * The recent values of a metric, for its trend and sparkline: a ring of
 * (time, value) pairs in two typed arrays, so keeping them allocates nothing
 * per message. Older than the window, or beyond capacity, falls off.
 */

/** Most samples kept, whatever the rate: a sparkline is ~100 px wide. */
const CAPACITY = 512;

export class ValueHistory {
  private readonly ts = new Float64Array(CAPACITY);
  private readonly vs = new Float64Array(CAPACITY);
  private start = 0;
  private count = 0;

  /** Samples held. */
  get size(): number {
    return this.count;
  }

  /** Adds a sample; samples older than the newest are ignored (history arrives in order). */
  add(ts: number, value: number): void {
    if (this.count > 0 && ts < this.tsAt(this.count - 1)) return;
    const at = (this.start + this.count) % CAPACITY;
    this.ts[at] = ts;
    this.vs[at] = value;
    if (this.count < CAPACITY) this.count++;
    else this.start = (this.start + 1) % CAPACITY;
  }

  /** Drops samples older than `minTs`. */
  prune(minTs: number): void {
    while (this.count > 0 && this.ts[this.start] < minTs) {
      this.start = (this.start + 1) % CAPACITY;
      this.count--;
    }
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  /** Time of sample `i` (0 = oldest). */
  tsAt(i: number): number {
    return this.ts[(this.start + i) % CAPACITY];
  }

  /** Value of sample `i` (0 = oldest). */
  valueAt(i: number): number {
    return this.vs[(this.start + i) % CAPACITY];
  }

  /** The newest sample at or before `ts`, as its index, or -1. */
  indexAtOrBefore(ts: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.tsAt(mid) <= ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
