/**
 * A fixed-capacity FIFO that overwrites its oldest entry when full. Used for
 * every queue that must stay bounded while nobody drains it (a hidden tab
 * pauses animation frames, so per-listener queues could otherwise grow forever).
 */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** @param capacity - most entries kept; at least 1. */
  constructor(capacity: number) {
    this.items = new Array<T | undefined>(Math.max(1, Math.floor(capacity)));
  }

  /** Number of entries held. */
  get size(): number {
    return this.count;
  }

  /** Most entries held before the oldest are overwritten. */
  get capacity(): number {
    return this.items.length;
  }

  /** Appends `item`, dropping the oldest entry when full. Returns true if one was dropped. */
  push(item: T): boolean {
    const cap = this.items.length;
    this.items[(this.head + this.count) % cap] = item;
    if (this.count < cap) {
      this.count++;
      return false;
    }
    this.head = (this.head + 1) % cap;
    return true;
  }

  /** The newest `n` entries (all when `n` is larger than the size), oldest first. */
  newest(n: number = this.count): T[] {
    const take = Math.min(Math.max(0, n), this.count);
    const out = new Array<T>(take);
    const cap = this.items.length;
    const start = this.head + this.count - take;
    for (let i = 0; i < take; i++) out[i] = this.items[(start + i) % cap] as T;
    return out;
  }

  /** Removes and returns every entry, oldest first. */
  drain(): T[] {
    const out = this.newest();
    this.clear();
    return out;
  }

  /** Removes every entry. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  /**
   * Changes the capacity, keeping the newest entries that fit. Used when a
   * listener with a larger snapshot joins a topic.
   */
  resize(capacity: number): void {
    const kept = this.newest(capacity);
    this.items = new Array<T | undefined>(Math.max(1, Math.floor(capacity)));
    this.head = 0;
    this.count = 0;
    for (const item of kept) this.push(item);
  }
}
