/**
 * The points of a chart, kept the way uPlot draws them: one x column of
 * times (a Float64Array) and one y column per series, aligned row by row, so
 * a draw hands uPlot the columns as they are instead of rebuilding them.
 *
 * Topics tick at their own times, so a row is one time and a series without a
 * point at that time holds `undefined` there, which uPlot draws across;
 * `null` is a break (a gap marker, or a silence past `gap-after`), which
 * uPlot leaves open. y columns are plain arrays because a typed array cannot
 * hold either (NaN would poison uPlot's min/max).
 *
 * Points are aligned as they arrive: in time order (the usual case) a point
 * fills the last row or appends one, O(1); an older point is inserted in
 * place. Rows older than the window stay in the buffer as a dead prefix that
 * uPlot skips (it only draws the rows inside its x range, found by binary
 * search); the prefix is cut in one move once it is a quarter of the buffer,
 * and the buffer grows by doubling only when the live rows fill most of it.
 * So a full window costs the same per draw as an empty one, and memory
 * follows the window, not the age of the page.
 */
import type uPlot from 'uplot';

/** Hard bound on rows per series, whatever the message rate. */
export const MAX_ROWS_PER_SERIES = 50_000;
const INITIAL_CAPACITY = 256;

export class SeriesTable {
  private xs: Float64Array;
  private ys: (number | null | undefined)[][];
  /** First row inside the window; rows before it are dead. */
  private start = 0;
  /** One past the last row held. */
  private end = 0;
  private readonly newestX: number[];
  private readonly newestY: (number | null | undefined)[];
  private readonly maxRows: number;
  private cached: uPlot.AlignedData | null = null;

  constructor(
    /** Number of series (y columns). */
    readonly series: number,
  ) {
    this.xs = new Float64Array(INITIAL_CAPACITY);
    this.ys = Array.from({ length: series }, () => new Array<number | null | undefined>(INITIAL_CAPACITY).fill(undefined));
    this.newestX = new Array<number>(series).fill(-Infinity);
    this.newestY = new Array<number | null | undefined>(series).fill(undefined);
    this.maxRows = MAX_ROWS_PER_SERIES * Math.max(1, series);
  }

  /** Rows (distinct times) inside the window. */
  get rows(): number {
    return this.end - this.start;
  }

  /** Points inside the window, across all series. */
  get points(): number {
    let n = 0;
    for (const column of this.ys) for (let i = this.start; i < this.end; i++) if (column[i] != null) n++;
    return n;
  }

  /** Time of row `i` (0 = oldest in the window), in seconds. */
  x(i: number): number {
    return this.xs[this.start + i];
  }

  /** Value of series `j` at row `i`, or null (a break) or undefined (no point). */
  y(j: number, i: number): number | null | undefined {
    return this.ys[j][this.start + i];
  }

  /** The newest value of series `j` whose time is at least `minX`, if any. */
  newest(j: number, minX = -Infinity): number | undefined {
    const y = this.newestY[j];
    return y != null && this.newestX[j] >= minX ? y : undefined;
  }

  /** Time (seconds) of series `j`'s newest point, or -Infinity. */
  newestTime(j: number): number {
    return this.newestX[j];
  }

  /** Adds a point of series `j` at time `x` (seconds), or a break (`null`). A second point at the same time replaces the first. */
  add(j: number, x: number, y: number | null): void {
    this.cached = null;
    if (x >= this.newestX[j]) {
      this.newestX[j] = x;
      this.newestY[j] = y;
    }
    const end = this.end;
    if (end > this.start && x === this.xs[end - 1]) {
      this.ys[j][end - 1] = y;
      return;
    }
    if (end === this.start || x > this.xs[end - 1]) {
      this.ensureRoom();
      this.xs[this.end] = x;
      this.ys[j][this.end] = y;
      this.end++;
    } else {
      this.insert(j, x, y);
    }
    if (this.rows > this.maxRows) this.dropFront(this.start + 1);
  }

  /** Drops rows older than `minX` (seconds). */
  prune(minX: number): void {
    let i = this.start;
    while (i < this.end && this.xs[i] < minX) i++;
    if (i !== this.start) this.dropFront(i);
  }

  /** The columns for uPlot's `setData`: views of the buffers, the same object until the next change. */
  aligned(): uPlot.AlignedData {
    // uPlot takes the row count from the x column and reads y columns only
    // at rows inside its x range, so y columns may run past the end.
    this.cached ??= [this.xs.subarray(0, this.end), ...this.ys] as unknown as uPlot.AlignedData;
    return this.cached;
  }

  /** Out-of-order point: fill its row or open one in place. */
  private insert(j: number, x: number, y: number | null): void {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.xs[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > this.start && this.xs[lo - 1] === x) {
      this.ys[j][lo - 1] = y;
      return;
    }
    this.ensureRoom();
    this.xs.copyWithin(lo + 1, lo, this.end);
    for (const column of this.ys) {
      column.copyWithin(lo + 1, lo, this.end);
      column[lo] = undefined;
    }
    this.xs[lo] = x;
    this.ys[j][lo] = y;
    this.end++;
  }

  /**
   * Moves the window's start. Dead rows keep their values: uPlot draws the
   * line in from the last point left of the window, as it should.
   */
  private dropFront(newStart: number): void {
    this.cached = null;
    this.start = newStart;
    if (this.start === this.end) {
      for (const column of this.ys) column.fill(undefined, 0, this.end);
      this.start = 0;
      this.end = 0;
    }
  }

  /** Makes room for one more row at the end: cut the dead prefix, or grow. */
  private ensureRoom(): void {
    const capacity = this.xs.length;
    if (this.end < capacity) return;
    this.cached = null;
    const live = this.end - this.start;
    if (this.start >= capacity / 4) {
      this.xs.copyWithin(0, this.start, this.end);
      for (const column of this.ys) {
        column.copyWithin(0, this.start, this.end);
        column.fill(undefined, live, this.end);
      }
    } else {
      const xs = new Float64Array(capacity * 2);
      xs.set(this.xs.subarray(this.start, this.end));
      this.xs = xs;
      this.ys = this.ys.map((column) => {
        const next = new Array<number | null | undefined>(capacity * 2).fill(undefined);
        for (let i = 0; i < live; i++) next[i] = column[this.start + i];
        return next;
      });
    }
    this.start = 0;
    this.end = live;
  }
}
