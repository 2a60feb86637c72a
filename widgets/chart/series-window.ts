/**
 * The points of one chart series inside the sliding time window. Points are
 * kept sorted by time (producers' clocks may deliver slightly out of order);
 * old points are cut from the front so memory follows the window, not the
 * age of the page.
 */

/** Hard bound on points per series, whatever the message rate. */
export const MAX_POINTS_PER_SERIES = 50_000;

export class SeriesWindow {
  private xs: number[] = [];
  private ys: number[] = [];
  /** Index of the first live point; the prefix before it is pruned lazily. */
  private start = 0;

  /** Number of points held. */
  get length(): number {
    return this.xs.length - this.start;
  }

  /** Time of point `i` (0 = oldest), in seconds. */
  x(i: number): number {
    return this.xs[this.start + i];
  }

  /** Value of point `i` (0 = oldest). */
  y(i: number): number {
    return this.ys[this.start + i];
  }

  /** Value of the newest point, if any. */
  newest(): number | undefined {
    return this.length > 0 ? this.ys[this.ys.length - 1] : undefined;
  }

  /** Adds a point at time `x` (seconds). Appending in time order is O(1). */
  add(x: number, y: number): void {
    const n = this.xs.length;
    if (n === this.start || x >= this.xs[n - 1]) {
      this.xs.push(x);
      this.ys.push(y);
    } else {
      // Out of order: insert after any points with the same time.
      let lo = this.start;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.xs[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
      this.xs.splice(lo, 0, x);
      this.ys.splice(lo, 0, y);
    }
    if (this.length > MAX_POINTS_PER_SERIES) this.start++;
  }

  /** Drops points older than `minX` (seconds). */
  prune(minX: number): void {
    const n = this.xs.length;
    while (this.start < n && this.xs[this.start] < minX) this.start++;
    // Compact only now and then so pruning stays amortized O(1) per point.
    if (this.start > 1024 && this.start * 2 > n) {
      this.xs = this.xs.slice(this.start);
      this.ys = this.ys.slice(this.start);
      this.start = 0;
    }
  }

  /** Removes every point. */
  clear(): void {
    this.xs = [];
    this.ys = [];
    this.start = 0;
  }
}
