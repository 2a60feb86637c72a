/**
 * Aggregation rules inside a running processor, on the memory bus and on a
 * real Redis: events are routed, windows publish one message per function on
 * `<topic>:<fn>:<window>` with ts = window start, events a rule cannot use go
 * to the dead-letter stream while the processor goes on, late events are
 * counted, and new rules apply from the next batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bus } from '../../bus/index.js';
import { compileConfigFile } from '../../bin/config-file.js';
import { Processor } from '../../processor/index.js';
import { forEachEngine } from '../support/bus-engines.js';
import { eventually } from '../support/ws-client.js';

const quiet = { info() {}, warn() {}, error() {} };
const T0 = 1_764_460_800_000;

const bodies = async (bus: Bus, topic: string): Promise<{ ts: number; value?: number; data?: unknown }[]> =>
  (await bus.broker.history(topic, '0-0', 10_000)).entries.map((e) => JSON.parse(e.body));

function processorOn(bus: Bus, rules: unknown): Processor {
  return new Processor({ ingest: bus.ingest, coordination: bus.coordination, broker: bus.broker, state: bus.state, log: quiet, blockMs: 20, rules: compileConfigFile({ rules }, 'test').rules });
}

forEachEngine('rules', ({ make }) => {
  test('a route publishes the event on the renamed topic, with {1} filled in', async () => {
    const bus = await make({ partitions: 2 });
    const processor = processorOn(bus, [{ match: 'hosts.*.cpu', route: 'cpu.{1}' }]);
    await processor.start();
    try {
      await bus.ingest.append([{ topic: 'hosts.web-1.cpu', ts: T0, value: 42 }, { topic: 'hosts.other', ts: T0, value: 1 }]);
      await eventually(async () => (await bodies(bus, 'cpu.web-1')).length === 1 && (await bodies(bus, 'hosts.other')).length === 1, 5000, 'routed');
      assert.deepEqual(await bodies(bus, 'cpu.web-1'), [{ ts: T0, value: 42 }]);
      assert.deepEqual(await bodies(bus, 'hosts.web-1.cpu'), [], 'not also on its own topic');
    } finally {
      await processor.stop();
    }
  });

  test('closed windows publish one message per function with ts = window start; unusable events are dead letters', async () => {
    const bus = await make({ partitions: 2 });
    const processor = processorOn(bus, [
      { match: 'api.latency', aggregate: ['count', 'sum', 'avg', 'min', 'max', 'last', 'p50'], windows: ['1s'], grace: '100ms' },
      { match: 'orders', aggregate: ['sum'], windows: ['1s'], field: 'data.amount', grace: '100ms' },
    ]);
    await processor.start();
    try {
      await bus.ingest.append([
        { topic: 'api.latency', ts: T0 + 10, value: 30 },
        { topic: 'api.latency', ts: T0 + 500, value: 10 },
        { topic: 'api.latency', ts: T0 + 999, value: 20 },
        { topic: 'api.latency', ts: T0 + 1500, data: { note: 'no value' } },
        { topic: 'orders', ts: T0 + 100, data: { amount: 5 } },
        { topic: 'orders', ts: T0 + 200, data: { amount: 'five' } },
        { topic: 'orders', ts: T0 + 300, data: { amount: 7 } },
      ]);
      // Far later events move each partition's watermark past the first window's end + grace.
      await bus.ingest.append([{ topic: 'api.latency', ts: T0 + 5000, value: 1 }, { topic: 'orders', ts: T0 + 5000, data: { amount: 1 } }]);
      await eventually(async () => (await bodies(bus, 'api.latency:p50:1s')).length >= 1 && (await bodies(bus, 'orders:sum:1s')).length >= 1, 5000, 'first windows closed');
      const first = async (topic: string) => (await bodies(bus, topic))[0];
      assert.deepEqual(await first('api.latency:count:1s'), { ts: T0, value: 3 });
      assert.deepEqual(await first('api.latency:sum:1s'), { ts: T0, value: 60 });
      assert.deepEqual(await first('api.latency:avg:1s'), { ts: T0, value: 20 });
      assert.deepEqual(await first('api.latency:min:1s'), { ts: T0, value: 10 });
      assert.deepEqual(await first('api.latency:max:1s'), { ts: T0, value: 30 });
      assert.deepEqual(await first('api.latency:last:1s'), { ts: T0, value: 20 });
      assert.ok(Math.abs((await first('api.latency:p50:1s')).value! - 20) <= 0.2);
      assert.deepEqual(await first('orders:sum:1s'), { ts: T0, value: 12 });
      assert.equal((await bodies(bus, 'api.latency')).length, 5, 'raw events are still published, the unusable one included');
      await eventually(() => processor.stats.deadLetters === 2, 10_000, 'two dead letters');
      const letters = await bus.state.deadLetters(10);
      assert.deepEqual(letters.map((l) => l.code).sort(), ['field_missing', 'field_not_number']);
      const missing = letters.find((l) => l.code === 'field_missing')!;
      assert.equal(missing.reason, 'rules[0] aggregates value, which this event does not have');
      assert.deepEqual(JSON.parse(missing.entry), { topic: 'api.latency', ts: T0 + 1500, data: { note: 'no value' } });
      assert.equal(letters.find((l) => l.code === 'field_not_number')!.reason, 'rules[1] aggregates data.amount, which is string, not a finite number');

      // A partition found empty between the two appends above moves its watermark to the clock, and
      // then the T0 + 5000 events are late too (seen on a loaded machine): count from here.
      const lateBefore = processor.stats.lateEvents;
      await bus.ingest.append([{ topic: 'api.latency', ts: T0 + 20, value: 99 }]);
      await eventually(() => processor.stats.lateEvents === lateBefore + 1, 10_000, 'the late event is counted');
      assert.deepEqual((await bodies(bus, 'api.latency:count:1s')).filter((b) => b.ts === T0), [{ ts: T0, value: 3 }], 'a closed window is not reopened');
    } finally {
      await processor.stop();
    }
  });

  test('a partition with nothing left to read closes its windows by the clock', async () => {
    const bus = await make({ partitions: 1 });
    const processor = processorOn(bus, [{ match: 'quiet', aggregate: ['count'], windows: ['100ms'], grace: '100ms' }]);
    await processor.start();
    try {
      const now = Date.now();
      await bus.ingest.append([{ topic: 'quiet', ts: now, value: 1 }, { topic: 'quiet', ts: now, value: 2 }]);
      await eventually(async () => (await bodies(bus, 'quiet:count:100ms')).length === 1, 5000, 'window closed without further events');
      assert.deepEqual(await bodies(bus, 'quiet:count:100ms'), [{ ts: now - (now % 100), value: 2 }]);
    } finally {
      await processor.stop();
    }
  });

  test('new rules apply from the next batch (reload)', async () => {
    const bus = await make({ partitions: 1 });
    const processor = processorOn(bus, []);
    await processor.start();
    try {
      await bus.ingest.append([{ topic: 'r.a', ts: T0, value: 1 }]);
      await eventually(async () => (await bodies(bus, 'r.a')).length === 1, 5000, 'unrouted');
      processor.setRules(compileConfigFile({ rules: [{ match: 'r.*', route: 'routed.{1}' }] }, 'test').rules);
      await bus.ingest.append([{ topic: 'r.a', ts: T0, value: 2 }]);
      await eventually(async () => (await bodies(bus, 'routed.a')).length === 1, 5000, 'routed after reload');
    } finally {
      await processor.stop();
    }
  });
});
