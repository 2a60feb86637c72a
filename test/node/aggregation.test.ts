/**
 * Windowed aggregation against a straightforward reference computation:
 * sums equal the sum of the inputs, percentiles are within the sketch's
 * stated 1 % relative error of the exact nearest-rank percentile, windows
 * start exactly on multiples of their length, late events are counted and
 * left out, and a checkpoint taken anywhere resumes to the same results.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PartitionWindows, type WindowOutput } from '../../processor/windows.js';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY } from '../../processor/quantile-sketch.js';
import { AGGREGATE_FUNCTIONS, RuleSet, type AggregateFunction } from '../../processor/rules.js';

const T0 = 1_764_460_800_000; // a whole day, so every window length divides it

interface In {
  ts: number;
  value: number;
}

// JSON (messages, checkpoints) has no -0: rt folds -0 in as 0, so the inputs here do too.
const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })).map((v) => v + 0);
const events = fc.array(fc.record({ ts: fc.integer({ min: T0, max: T0 + 60_000 }), value }), { minLength: 1, maxLength: 300 });
const windowMs = fc.constantFrom(100, 1000, 5000, 10_000);
const graceMs = fc.constantFrom(0, 500, 2000);

/** The reference: one pass in order, exact statistics from kept values. */
function reference(input: In[], w: number, g: number): { windows: Map<number, In[]>; late: number } {
  let watermark = 0;
  let late = 0;
  const windows = new Map<number, In[]>();
  for (const e of input) {
    watermark = Math.max(watermark, e.ts);
    const start = Math.floor(e.ts / w) * w;
    if (start + w + g <= watermark) {
      late++;
      continue;
    }
    if (!windows.has(start)) windows.set(start, []);
    windows.get(start)!.push(e);
  }
  return { windows, late };
}

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

function run(input: In[], w: number, g: number, fns: AggregateFunction[], checkpointAt = -1): { out: WindowOutput[]; late: number } {
  const plan = new RuleSet([{ match: 'm', aggregate: fns, windows: [`${w}ms`], grace: g === 0 ? undefined : `${g}ms` }]).plan('m').windows[0];
  if (g === 0) plan.graceMs = 0;
  let windows = new PartitionWindows();
  let late = 0;
  const out: WindowOutput[] = [];
  input.forEach((e, i) => {
    if (i === checkpointAt) {
      late += windows.late;
      const snapshot = JSON.parse(JSON.stringify(windows.snapshot()));
      windows = PartitionWindows.restore(snapshot, () => plan);
    }
    windows.fold('m', plan, e.ts, e.value);
    out.push(...windows.close());
  });
  windows.advanceTo(Number.MAX_SAFE_INTEGER);
  out.push(...windows.close());
  return { out, late: late + windows.late };
}

const byFn = (out: WindowOutput[], fn: string): Map<number, number> =>
  new Map(out.filter((o) => o.topic === `m:${fn}:${o.topic.split(':')[2]}`).map((o) => [o.body.ts, o.body.value!]));

describe('aggregation', () => {
  test('count, sum, avg, min, max, rate and last equal a reference computation, window by window', () => {
    fc.assert(
      fc.property(events, windowMs, graceMs, (input, w, g) => {
        const { out, late } = run(input, w, g, ['count', 'sum', 'avg', 'min', 'max', 'rate', 'last']);
        const ref = reference(input, w, g);
        assert.equal(late, ref.late, 'late events counted');
        for (const fn of ['count', 'sum', 'avg', 'min', 'max', 'rate', 'last']) {
          const got = byFn(out, fn);
          assert.deepEqual([...got.keys()].sort(), [...ref.windows.keys()].sort(), `${fn}: one output per window`);
          for (const [start, kept] of ref.windows) {
            const values = kept.map((e) => e.value);
            const sum = values.reduce((a, b) => a + b, 0);
            const lastTs = Math.max(...kept.map((e) => e.ts));
            const expected: Record<string, number> = {
              count: values.length,
              sum,
              avg: sum / values.length,
              min: Math.min(...values),
              max: Math.max(...values),
              rate: values.length / (w / 1000),
              last: kept.filter((e) => e.ts === lastTs).at(-1)!.value,
            };
            assert.equal(got.get(start), expected[fn], `${fn} of window ${start}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('every window starts on a multiple of its length and holds exactly the events inside it', () => {
    fc.assert(
      fc.property(events, windowMs, (input, w) => {
        const { out } = run(input, w, 60_000, ['count']);
        let total = 0;
        for (const o of out) {
          assert.equal(o.body.ts % w, 0, 'aligned to the epoch');
          const inside = input.filter((e) => e.ts >= o.body.ts && e.ts < o.body.ts + w).length;
          assert.equal(o.body.value, inside, `window [${o.body.ts}, +${w})`);
          total += o.body.value!;
        }
        assert.equal(total, input.length, 'a grace longer than the spread loses nothing');
      }),
      { numRuns: 200 },
    );
  });

  test(`p50, p90, p95 and p99 are within ${SKETCH_RELATIVE_ACCURACY * 100} % of the exact nearest-rank percentile`, () => {
    fc.assert(
      fc.property(events, windowMs, graceMs, (input, w, g) => {
        const { out } = run(input, w, g, ['p50', 'p90', 'p95', 'p99']);
        const ref = reference(input, w, g);
        for (const [fn, q] of [['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99]] as const) {
          const got = byFn(out, fn);
          for (const [start, kept] of ref.windows) {
            const exact = exactQuantile(kept.map((e) => e.value), q);
            const estimate = got.get(start)!;
            const bound = SKETCH_RELATIVE_ACCURACY * Math.abs(exact) + 1e-9;
            assert.ok(Math.abs(estimate - exact) <= bound, `${fn} of window ${start}: ${estimate} vs exact ${exact}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a checkpoint taken after any event and restored from JSON gives the same outputs', () => {
    fc.assert(
      fc.property(events, windowMs, graceMs, fc.nat(), (input, w, g, at) => {
        const fns = [...AGGREGATE_FUNCTIONS];
        const straight = run(input, w, g, fns);
        const resumed = run(input, w, g, fns, at % input.length);
        assert.deepEqual(resumed.out, straight.out);
        assert.equal(resumed.late, straight.late);
      }),
      { numRuns: 200 },
    );
  });

  test('the sketch holds its error bound on wide, skewed distributions', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        const sketch = new QuantileSketch();
        for (const v of values) sketch.add(v);
        const exact = exactQuantile(values, q);
        assert.ok(Math.abs(sketch.quantile(q) - exact) <= SKETCH_RELATIVE_ACCURACY * exact + 1e-9);
      }),
    );
  });

  test('a window closes once the watermark passes its end plus the grace period, not before', () => {
    const plan = new RuleSet([{ match: 'm', aggregate: ['count'], windows: ['10s'] }]).plan('m').windows[0];
    const windows = new PartitionWindows();
    windows.fold('m', plan, T0 + 1000, 1);
    windows.fold('m', plan, T0 + 11_999, 1);
    assert.deepEqual(windows.close(), [], 'end + grace not yet reached');
    windows.fold('m', plan, T0 + 12_000, 1);
    assert.deepEqual(windows.close(), [{ topic: 'm:count:10s', body: { ts: T0, value: 1 }, start: T0 }]);
    assert.equal(windows.fold('m', plan, T0 + 9999, 1), false, 'an event for a closed window is late');
    assert.equal(windows.late, 1);
  });
});

test('a window closed under one plan is not folded into again under a reloaded plan of the same label with a longer grace', () => {
  const before = { label: '1s', ms: 1000, graceMs: 0, functions: ['count'] as AggregateFunction[], path: [], rule: 0 };
  const reloaded = { ...before, graceMs: 5000 };
  const windows = new PartitionWindows();
  assert.equal(windows.fold('m', before, 1000, 1), true);
  assert.equal(windows.fold('m', reloaded, 1500, 1), true, 'the open window, found under the new plan');
  assert.equal(windows.fold('m', before, 2000, 1), true);
  assert.deepEqual(windows.close().map((o) => [o.start, o.body.value]), [[1000, 2]]);
  // Not late under the reloaded grace: a window of its own, never the closed one.
  assert.equal(windows.fold('m', reloaded, 1700, 1), true);
  assert.equal(windows.advanceTo(7000), true);
  assert.deepEqual(windows.close().map((o) => [o.start, o.body.value]), [[1000, 1], [2000, 1]]);
});
