import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { IngestEvent } from '../../bus/bus.js';
import { topicProblem } from '../../protocol/index.js';
import {
  DEMO_DAY_MS,
  DEMO_EVENT_TOPICS,
  DEMO_METRIC_TOPICS,
  DEMO_TOPICS,
  createDemoSeries,
  dayLoad,
  mulberry32,
  startGenerator,
} from '../../demo/generator.js';

const START = Date.UTC(2024, 0, 1);
const STEP_MS = 250;

/** Runs the model for `ticks` steps of 250 ms and returns each step's events. */
function run(seed: number, ticks: number): { now: number; events: IngestEvent[] }[] {
  const series = createDemoSeries(mulberry32(seed));
  const steps = [];
  for (let i = 1; i <= ticks; i++) {
    const now = START + i * STEP_MS;
    steps.push({ now, events: series.next(now, STEP_MS) });
  }
  return steps;
}

function valueOf(events: IngestEvent[], topic: string): number {
  const event = events.find((e) => e.topic === topic);
  assert.ok(event, `no ${topic} event`);
  assert.equal(typeof event.value, 'number');
  return event.value as number;
}

/** Two compressed days of 250 ms ticks, over several seeds. */
const SEEDS = [1, 7, 42, 2024];
const TICKS = (2 * DEMO_DAY_MS) / STEP_MS;
const RUNS = SEEDS.map((seed) => run(seed, TICKS));

/** A fake bus that records every append. */
function recordingBus(answer: () => Promise<string[]> = async () => []) {
  const calls: IngestEvent[][] = [];
  return {
    calls,
    append(events: IngestEvent[]) {
      calls.push(events);
      return answer();
    },
  };
}

describe('demo generator: topics', () => {
  it('lists only valid, distinct topic names, metrics and events apart', () => {
    for (const topic of DEMO_TOPICS) assert.equal(topicProblem(topic), null, topic);
    assert.equal(new Set(DEMO_TOPICS).size, DEMO_TOPICS.length);
    assert.deepEqual([...DEMO_TOPICS], [...DEMO_METRIC_TOPICS, ...DEMO_EVENT_TOPICS]);
  });
});

describe('demo generator: the series', () => {
  it('emits every metric topic exactly once per tick, with a finite value and the tick time', () => {
    for (const steps of RUNS) {
      for (const { now, events } of steps) {
        const metrics = events.filter((e) => e.value !== undefined);
        assert.deepEqual(metrics.map((e) => e.topic), [...DEMO_METRIC_TOPICS]);
        for (const e of metrics) {
          assert.ok(Number.isFinite(e.value), `${e.topic} = ${e.value}`);
          assert.equal(e.ts, now);
          assert.equal(e.data, undefined);
        }
      }
    }
  });

  it('every event is well-formed: a known valid topic, an integer ts within its tick, value xor data', () => {
    for (const steps of RUNS) {
      for (const { now, events } of steps) {
        for (const e of events) {
          assert.ok((DEMO_TOPICS as readonly string[]).includes(e.topic), e.topic);
          assert.equal(topicProblem(e.topic), null);
          assert.ok(Number.isInteger(e.ts) && e.ts <= now && e.ts >= now - STEP_MS, `ts ${e.ts} outside tick ending ${now}`);
          assert.ok((e.value === undefined) !== (e.data === undefined), 'exactly one of value and data');
          assert.doesNotThrow(() => JSON.parse(JSON.stringify(e)));
        }
      }
    }
  });

  it('keeps values in range: CPU and error rate are percentages, rates and latencies positive', () => {
    for (const steps of RUNS) {
      for (const { events } of steps) {
        for (const topic of ['cpu.api', 'cpu.worker', 'http.error_rate']) {
          const v = valueOf(events, topic);
          assert.ok(v >= 0 && v <= 100, `${topic} = ${v}`);
        }
        assert.ok(valueOf(events, 'http.requests_per_sec') >= 0);
        assert.ok(valueOf(events, 'orders.per_min') >= 0);
        assert.ok(valueOf(events, 'http.latency.p50') > 0);
      }
    }
  });

  it('orders latency percentiles strictly: p50 < p95 < p99 on every tick', () => {
    for (const steps of RUNS) {
      for (const { events } of steps) {
        const p50 = valueOf(events, 'http.latency.p50');
        const p95 = valueOf(events, 'http.latency.p95');
        const p99 = valueOf(events, 'http.latency.p99');
        assert.ok(p50 < p95 && p95 < p99, `p50 ${p50}, p95 ${p95}, p99 ${p99}`);
      }
    }
  });

  it('CPU moves: it is noisy, not a flat line, and spends most time well below saturation', () => {
    for (const steps of RUNS) {
      for (const topic of ['cpu.api', 'cpu.worker']) {
        const values = steps.map((s) => valueOf(s.events, topic));
        const distinct = new Set(values).size;
        assert.ok(distinct > values.length / 10, `${topic} has only ${distinct} distinct values`);
        const saturated = values.filter((v) => v >= 95).length;
        assert.ok(saturated < values.length * 0.05, `${topic} at ≥95% on ${saturated} of ${values.length} ticks`);
      }
    }
  });

  it('requests per second follow the compressed day: busy around its noon, quiet around its midnight', () => {
    assert.ok(dayLoad(DEMO_DAY_MS / 2) > 0.9);
    assert.ok(dayLoad(0) < 0.1);
    for (const steps of RUNS) {
      const near = (phase: number) => {
        const values = steps
          .filter(({ now }) => Math.abs(((now % DEMO_DAY_MS) / DEMO_DAY_MS) - phase) < 0.05)
          .map(({ events }) => valueOf(events, 'http.requests_per_sec'));
        return values.reduce((a, b) => a + b, 0) / values.length;
      };
      assert.ok(near(0.5) > 2.5 * near(0.02), `noon ${near(0.5)} vs midnight ${near(0.02)}`);
    }
  });

  it('log events carry a level, a message, a service and a trace id, and are mostly info', () => {
    for (const steps of RUNS) {
      const logs = steps.flatMap((s) => s.events.filter((e) => e.topic === 'log.api'));
      assert.ok(logs.length > 0);
      const levels = { info: 0, warn: 0, error: 0 };
      for (const e of logs) {
        const data = e.data;
        assert.ok(data, 'log event without data');
        assert.equal(e.value, undefined);
        assert.ok(data.level === 'info' || data.level === 'warn' || data.level === 'error', String(data.level));
        assert.equal(typeof data.msg, 'string');
        assert.ok((data.msg as string).length > 0);
        assert.equal(typeof data.service, 'string');
        assert.match(data.trace_id as string, /^[0-9a-f]{16}$/);
        levels[data.level]++;
      }
      assert.ok(levels.info > 0.7 * logs.length, `levels ${JSON.stringify(levels)}`);
      assert.ok(levels.warn > 0 && levels.error > 0, `levels ${JSON.stringify(levels)}`);
    }
  });

  it('arrives at an irregular rate of a few lines per second, with bursts', () => {
    for (const steps of RUNS) {
      const perTick = steps.map((s) => s.events.filter((e) => e.topic === 'log.api').length);
      const perSecond = (perTick.reduce((a, b) => a + b, 0) / steps.length) * (1000 / STEP_MS);
      assert.ok(perSecond >= 1 && perSecond <= 10, `${perSecond} lines/s`);
      assert.ok(perTick.includes(0), 'some ticks carry no log line');
      assert.ok(Math.max(...perTick) >= 5, `largest tick has ${Math.max(...perTick)} lines`);
    }
  });

  it('bursts of warnings and errors come with latency spikes', () => {
    for (const steps of RUNS) {
      const p99s = steps.map((s) => valueOf(s.events, 'http.latency.p99')).sort((a, b) => a - b);
      const spike = p99s[Math.floor(p99s.length * 0.9)];
      const share = (picked: typeof steps) => {
        const logs = picked.flatMap((s) => s.events.filter((e) => e.topic === 'log.api'));
        return logs.filter((e) => e.data?.level !== 'info').length / Math.max(1, logs.length);
      };
      const spiky = steps.filter((s) => valueOf(s.events, 'http.latency.p99') >= spike);
      const calm = steps.filter((s) => valueOf(s.events, 'http.latency.p99') < spike);
      assert.ok(share(spiky) > 2 * share(calm), `warn+error share ${share(spiky)} in spikes vs ${share(calm)} otherwise`);
    }
  });

  it('the same seed gives the same series; another seed a different one', () => {
    assert.deepEqual(run(99, 400), run(99, 400));
    assert.notDeepEqual(run(99, 400), run(100, 400));
  });

  it('survives odd steps: zero, negative, huge or non-finite elapsed time', () => {
    const series = createDemoSeries(mulberry32(5));
    for (const elapsed of [0, -1000, 86_400_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      const events = series.next(START, elapsed);
      for (const e of events) if (e.value !== undefined) assert.ok(Number.isFinite(e.value), `${e.topic} after ${elapsed}`);
      assert.equal(events.filter((e) => e.value !== undefined).length, DEMO_METRIC_TOPICS.length);
    }
  });
});

/** Polls until `ready` holds (a loaded machine delays timers; fixed sleeps would flake). */
async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('demo generator: the timer', () => {
  it('appends once at start, then once per interval, each call holding every metric', async () => {
    const bus = recordingBus();
    const generator = startGenerator(bus, { intervalMs: 10, random: mulberry32(3) });
    assert.equal(bus.calls.length, 1, 'first append happens at start');
    // Poll rather than sleep a fixed time: a loaded machine delays timers.
    const deadline = Date.now() + 5000;
    while (bus.calls.length < 4 && Date.now() < deadline) await sleep(10);
    generator.stop();
    assert.ok(bus.calls.length >= 4, `${bus.calls.length} appends`);
    for (const events of bus.calls) {
      assert.deepEqual(events.filter((e) => e.value !== undefined).map((e) => e.topic), [...DEMO_METRIC_TOPICS]);
    }
  });

  it('backfills the requested history in time order before the first live tick', async () => {
    const bus = recordingBus();
    const generator = startGenerator(bus, { intervalMs: 100, random: mulberry32(5), now: () => START, backfillMs: 60_000 });
    const deadline = Date.now() + 5000;
    // Backfill calls carry past times only; the first live tick is stamped START.
    const live = (): number => bus.calls.findIndex((events) => events.some((e) => e.topic === 'cpu.api' && e.ts === START));
    while (live() < 0 && Date.now() < deadline) await sleep(5);
    generator.stop();
    assert.ok(live() > 0, 'backfill calls come before the first live tick');
    const cpu = bus.calls.slice(0, live()).flat().filter((e) => e.topic === 'cpu.api').map((e) => e.ts);
    assert.equal(cpu.length, 600, 'one point per interval over the minute');
    assert.ok(cpu[0] >= START - 60_000 && cpu[cpu.length - 1] < START);
    assert.deepEqual(cpu, [...cpu].sort((a, b) => a - b), 'ascending');
  });

  it('uses the injected clock for ts', () => {
    const bus = recordingBus();
    const generator = startGenerator(bus, { intervalMs: 1000, random: mulberry32(3), now: () => START });
    generator.stop();
    for (const e of bus.calls[0]) assert.ok(e.ts <= START && e.ts > START - 1000);
  });

  it('stop() ends appending, and may be called twice', async () => {
    const bus = recordingBus();
    const generator = startGenerator(bus, { intervalMs: 5 });
    await sleep(30);
    generator.stop();
    generator.stop();
    const count = bus.calls.length;
    await sleep(50);
    assert.equal(bus.calls.length, count);
  });

  it('a rejecting append neither stops the timer nor floods the log: one warning per failure streak', async (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const info = t.mock.method(console, 'info', () => {});
    let failing = true;
    const bus = recordingBus(async () => {
      if (failing) throw new Error('bus down');
      return [];
    });
    const generator = startGenerator(bus, { intervalMs: 5, random: mulberry32(1) });
    try {
      await until(() => bus.calls.length >= 3, 'three failing appends');
      assert.equal(warn.mock.callCount(), 1);
      assert.match(String(warn.mock.calls[0].arguments[0]), /bus down/);

      failing = false;
      const during = bus.calls.length;
      await until(() => bus.calls.length >= during + 3, 'three appends after recovery');
      assert.equal(warn.mock.callCount(), 1);
      assert.equal(info.mock.callCount(), 1, 'says once that it recovered');

      failing = true;
      await until(() => warn.mock.callCount() === 2, 'a second warning');
      const later = bus.calls.length;
      await until(() => bus.calls.length >= later + 3, 'three more failing appends');
      assert.equal(warn.mock.callCount(), 2, 'a new failure streak warns again, once');
    } finally {
      generator.stop();
    }
  });

  it('an append that throws synchronously is handled the same way', async (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    let calls = 0;
    const generator = startGenerator(
      {
        append() {
          calls++;
          throw new Error('closed');
        },
      },
      { intervalMs: 5 },
    );
    await until(() => calls >= 3, 'three attempts');
    generator.stop();
    assert.equal(warn.mock.callCount(), 1);
  });

  it('does not pile up appends while one is still pending', async () => {
    let release: (() => void) | undefined;
    const bus = recordingBus(() => new Promise<string[]>((resolve) => (release = () => resolve([]))));
    const generator = startGenerator(bus, { intervalMs: 5 });
    await sleep(40);
    assert.equal(bus.calls.length, 1, 'ticks while an append is pending are skipped');
    release?.();
    await sleep(30);
    generator.stop();
    assert.ok(bus.calls.length >= 2, 'resumes once the append settles');
  });

  it('refuses a non-positive interval up front', () => {
    assert.throws(() => startGenerator(recordingBus(), { intervalMs: 0 }), RangeError);
    assert.throws(() => startGenerator(recordingBus(), { intervalMs: Number.NaN }), RangeError);
  });
});
