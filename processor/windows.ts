/**
 * Tumbling windows of one ingest partition: folds events in, closes windows
 * once the partition's event time has passed their end plus the grace
 * period, and turns each closed window into one message per function.
 *
 * Time is event time. The watermark is the newest `ts` seen in the
 * partition (or, once the partition has nothing left to read, the clock):
 * closing and lateness depend only on the entries and their order, so a
 * processor that takes over a partition from its checkpoint reaches the
 * same results as the one before it.
 */
import type { MessageBody } from '../protocol/index.js';
import { QuantileSketch, type SketchSnapshot } from './quantile-sketch.js';
import type { AggregateFunction, WindowPlan } from './rules.js';

/** Running state of one window of one topic. */
interface Accumulator {
  topic: string;
  plan: WindowPlan;
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  lastTs: number;
  last: number;
  sketch: QuantileSketch | null;
}

/** A message a closed window publishes. */
export interface WindowOutput {
  topic: string;
  body: MessageBody;
  /** Window start: the duplicate-suppression mark of the output topic. */
  start: number;
}

/** Checkpointed form of a partition's windows (JSON). */
export interface WindowsSnapshot {
  v: 1;
  /** Watermark, epoch ms. */
  w: number;
  /** Open windows: topic, plan label, start, count, sum, min, max, lastTs, last, sketch. */
  open: [string, string, number, number, number, number, number, number, number, SketchSnapshot | null][];
}

const PERCENTILES: Partial<Record<AggregateFunction, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export class PartitionWindows {
  private watermark = 0;
  private readonly open = new Map<string, Accumulator>();
  /**
   * The window each topic's plan folded into last: nearly every event goes
   * to the same one as the event before, found here without building its
   * key. Only open windows are held (close() drops what it closes).
   */
  private readonly recent = new Map<string, Map<WindowPlan, Accumulator>>();
  /** Events refused because their window had already closed. */
  late = 0;

  /** Number of open windows (for metrics). */
  get size(): number {
    return this.open.size;
  }

  /**
   * Folds one value in. Returns false, and counts it as late, when the
   * window it belongs to has closed already.
   */
  fold(topic: string, plan: WindowPlan, ts: number, raw: number): boolean {
    // -0 would not survive the JSON of a checkpoint or a message.
    const value = raw + 0;
    if (ts > this.watermark) this.watermark = ts;
    const start = ts - (ts % plan.ms);
    if (start + plan.ms + plan.graceMs <= this.watermark) {
      this.late++;
      return false;
    }
    let recent = this.recent.get(topic);
    let acc = recent?.get(plan);
    if (acc === undefined || acc.start !== start) {
      const key = `${topic}\u0000${plan.label}\u0000${start}`;
      acc = this.open.get(key);
      if (!acc) {
        const sketched = plan.functions.some((fn) => fn in PERCENTILES);
        acc = { topic, plan, start, count: 0, sum: 0, min: value, max: value, lastTs: ts, last: value, sketch: sketched ? new QuantileSketch() : null };
        this.open.set(key, acc);
      }
      if (!recent) this.recent.set(topic, (recent = new Map()));
      recent.set(plan, acc);
    }
    acc.count++;
    acc.sum += value;
    if (value < acc.min) acc.min = value;
    if (value > acc.max) acc.max = value;
    if (ts >= acc.lastTs) {
      acc.lastTs = ts;
      acc.last = value;
    }
    acc.sketch?.add(value);
    return true;
  }

  /** Moves the watermark forward to `now` (the partition has nothing unread). */
  advanceTo(now: number): boolean {
    if (now <= this.watermark) return false;
    this.watermark = now;
    return true;
  }

  /** Closes every window the watermark has passed; outputs in window order per topic. */
  close(): WindowOutput[] {
    const closed: Accumulator[] = [];
    for (const [key, acc] of this.open) {
      if (acc.start + acc.plan.ms + acc.plan.graceMs <= this.watermark) {
        closed.push(acc);
        this.open.delete(key);
        // Under whichever plan it was found (a reloaded rule brings a new plan object for the same window).
        const recent = this.recent.get(acc.topic);
        if (recent) {
          for (const [plan, held] of recent) if (held === acc) recent.delete(plan);
          if (recent.size === 0) this.recent.delete(acc.topic);
        }
      }
    }
    if (closed.length === 0) return [];
    closed.sort((a, b) => a.start - b.start);
    const out: WindowOutput[] = [];
    for (const acc of closed) {
      for (const fn of acc.plan.functions) {
        out.push({ topic: `${acc.topic}:${fn}:${acc.plan.label}`, body: { ts: acc.start, value: result(acc, fn) }, start: acc.start });
      }
    }
    return out;
  }

  snapshot(): WindowsSnapshot {
    const open: WindowsSnapshot['open'] = [];
    for (const a of this.open.values()) {
      open.push([a.topic, a.plan.label, a.start, a.count, a.sum, a.min, a.max, a.lastTs, a.last, a.sketch ? a.sketch.snapshot() : null]);
    }
    return { v: 1, w: this.watermark, open };
  }

  /**
   * Rebuilds windows from a checkpoint. `planOf` gives the current plan of a
   * topic's window label; windows whose rule is gone are dropped.
   */
  static restore(snapshot: WindowsSnapshot, planOf: (topic: string, label: string) => WindowPlan | undefined): PartitionWindows {
    const windows = new PartitionWindows();
    windows.watermark = snapshot.w;
    for (const [topic, label, start, count, sum, min, max, lastTs, last, sketch] of snapshot.open) {
      const plan = planOf(topic, label);
      if (!plan) continue;
      windows.open.set(`${topic}\u0000${label}\u0000${start}`, {
        topic, plan, start, count, sum, min, max, lastTs, last,
        sketch: sketch ? QuantileSketch.restore(sketch) : plan.functions.some((fn) => fn in PERCENTILES) ? new QuantileSketch() : null,
      });
    }
    return windows;
  }
}

function result(acc: Accumulator, fn: AggregateFunction): number {
  switch (fn) {
    case 'count':
      return acc.count;
    case 'sum':
      return acc.sum;
    case 'avg':
      return acc.sum / acc.count;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'rate':
      return acc.count / (acc.plan.ms / 1000);
    case 'last':
      return acc.last;
    default:
      return acc.sketch!.quantile(PERCENTILES[fn]!);
  }
}
