/**
 * A DDSketch (Masson, Rim, Lee; VLDB 2019) for the percentile aggregations:
 * every quantile it returns is within ±1 % (relative) of an exact
 * nearest-rank quantile of the values it was given, whatever their
 * distribution, in space logarithmic in the value range.
 *
 * Written here rather than taken from @datadog/sketches-js because window
 * state is checkpointed to Redis as JSON: that library serializes only to
 * protobuf through a `protobufjs` it does not declare as a dependency, and
 * its `fromProto` drops min and max. The sparse form below serializes to a
 * flat array of [bucket, count] pairs and adds a value without allocating
 * once its bucket exists.
 */

/** Relative accuracy of every quantile: |estimate − exact| ≤ ALPHA × |exact|. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values closer to zero than this count as zero (far below any metric). */
const MIN_INDEXABLE = 1e-9;

/** Serialized form: zero count, then [bucket, count] pairs for positives and for negatives. */
export interface SketchSnapshot {
  z: number;
  p: number[];
  n: number[];
}

export class QuantileSketch {
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zeros = 0;
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(value: number): void {
    this.total++;
    if (value > MIN_INDEXABLE) bump(this.positive, Math.ceil(Math.log(value) / LOG_GAMMA));
    else if (value < -MIN_INDEXABLE) bump(this.negative, Math.ceil(Math.log(-value) / LOG_GAMMA));
    else this.zeros++;
  }

  /**
   * The value at quantile `q` (0…1): an estimate of the value of rank
   * ⌈q·n⌉ (nearest rank, 1-based; rank 1 for q = 0).
   */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    // Negatives from the most negative (largest bucket) up.
    const neg = [...this.negative.keys()].sort((a, b) => b - a);
    for (const key of neg) {
      seen += this.negative.get(key)!;
      if (seen >= rank) return -representative(key);
    }
    seen += this.zeros;
    if (seen >= rank) return 0;
    const pos = [...this.positive.keys()].sort((a, b) => a - b);
    for (const key of pos) {
      seen += this.positive.get(key)!;
      if (seen >= rank) return representative(key);
    }
    return representative(pos[pos.length - 1]);
  }

  snapshot(): SketchSnapshot {
    return { z: this.zeros, p: flatten(this.positive), n: flatten(this.negative) };
  }

  static restore(snapshot: SketchSnapshot): QuantileSketch {
    const sketch = new QuantileSketch();
    sketch.zeros = snapshot.z;
    sketch.total = snapshot.z;
    for (const [from, into] of [[snapshot.p, sketch.positive], [snapshot.n, sketch.negative]] as const) {
      for (let i = 0; i + 1 < from.length; i += 2) {
        into.set(from[i], from[i + 1]);
        sketch.total += from[i + 1];
      }
    }
    return sketch;
  }
}

function bump(buckets: Map<number, number>, key: number): void {
  buckets.set(key, (buckets.get(key) ?? 0) + 1);
}

/** The middle of bucket `key`, (γ^(k−1), γ^k], within ALPHA of every value in it. */
function representative(key: number): number {
  return (2 * GAMMA ** key) / (GAMMA + 1);
}

function flatten(buckets: Map<number, number>): number[] {
  const out: number[] = [];
  for (const [key, count] of buckets) out.push(key, count);
  return out;
}
