/**
 * A fixed-bucket histogram with weighted observations, cheap enough for the
 * fan-out path: one observation stands for many deliveries (a frame written
 * to N sockets is one call with weight N), which a Prometheus client
 * histogram cannot express. Read at scrape time by bin/metrics.ts.
 */
export class Histogram {
  /** Count of observations at most `bounds[i]`, not cumulative; the last slot counts the rest (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  /** @param bounds upper bounds of the buckets, ascending */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Records `weight` observations of `value`. */
  observe(value: number, weight = 1): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i] += weight;
    this.sum += value * weight;
    this.count += weight;
  }

  /** The smallest bucket bound below which at least `q` of the observations lie (Infinity past the last). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= target) return i < this.bounds.length ? this.bounds[i] : Infinity;
    }
    return Infinity;
  }
}
