/**
 * The rows of an event log: up to `max` of them, appended at the end and
 * dropped from the front, without copying the whole list per batch.
 *
 * Rows live in one backing array. Appending pushes in place; dropping moves a
 * start index; the dead prefix is cut in one go only once it is as long as
 * the live part, so each row is copied at most about once in its life.
 *
 * The virtualizer notices new items by array identity and reads only
 * `length` and indices, so `view()` hands it a fresh, cheap read-only view
 * (a Proxy over the backing array) after each change instead of a copy.
 */
import type { LogRow } from './log-row.js';

export class RowStore {
  private rows: LogRow[] = [];
  private start = 0;
  private current: readonly LogRow[] | null = null;

  constructor(
    /** Most rows kept. */
    public max: number,
  ) {}

  /** Rows held. */
  get size(): number {
    return this.rows.length - this.start;
  }

  /** Appends rows, dropping the oldest beyond `max`. Returns how many rows were dropped from the front. */
  append(rows: readonly LogRow[]): number {
    for (const row of rows) this.rows.push(row);
    return this.trim();
  }

  /** Drops the oldest rows beyond `max` (after `max` shrank, too). Returns how many. */
  trim(): number {
    const excess = Math.max(0, this.size - this.max);
    this.start += excess;
    if (this.start > 0 && this.start >= this.size) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
    if (excess > 0 || this.current?.length !== this.size) this.current = null;
    return excess;
  }

  /** Removes every row. */
  clear(): void {
    this.rows = [];
    this.start = 0;
    this.current = null;
  }

  /** Row `i` (0 = oldest). */
  at(i: number): LogRow | undefined {
    return i >= 0 && i < this.size ? this.rows[this.start + i] : undefined;
  }

  /** A read-only array view of the rows; a new object after every change, the same one otherwise. */
  view(): readonly LogRow[] {
    if (this.current) return this.current;
    const rows = this.rows;
    const start = this.start;
    const size = this.size;
    // An empty array as target keeps Array.isArray() true, which the virtualizer checks.
    this.current = new Proxy([] as LogRow[], {
      get(target, key, receiver) {
        if (key === 'length') return size;
        if (typeof key === 'string') {
          const i = toIndex(key);
          if (i >= 0) return i < size ? rows[start + i] : undefined;
        }
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (typeof key === 'string') {
          const i = toIndex(key);
          if (i >= 0) return i < size;
        }
        return Reflect.has(target, key);
      },
    });
    return this.current;
  }
}

/** The array index a property key names, or -1. */
function toIndex(key: string): number {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = Number(key);
  return Number.isInteger(i) ? i : -1;
}
