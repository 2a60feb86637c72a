/**
 * The gateway's `$sys` topics with a processor lag probe, on the memory bus:
 * the published lag is the ingest log's real backlog (total and per
 * partition), and a measure that does not come back (a reconnecting Redis)
 * is never doubled up nor holds back the gateway's other numbers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBus } from '../../bus/index.js';
import { SystemTopics } from '../../gateway/system-topics.js';
import { eventually } from '../support/ws-client.js';

const readings = () => ({ connections: 3, topics: 1, messagesSent: 0, refusals: new Map<string, number>(), busHealthy: true });

function collect(bus: MemoryBus, topic: string): Promise<{ values: number[] }> {
  const values: number[] = [];
  return bus.broker.subscribe(topic, (_id, body) => values.push((JSON.parse(body) as { value: number }).value)).then(() => ({ values }));
}

test('the published lag is the ingest backlog: total and per partition, growing while nothing consumes', async () => {
  const bus = new MemoryBus({ partitions: 2 });
  await bus.ingest.ensureGroup('processor');
  const system = new SystemTopics(bus.broker, readings, 'test', 20, () => bus.ingest.trimAcknowledged());
  const total = await collect(bus, `${system.prefix}.lag.entries`);
  const oldest = await collect(bus, `${system.prefix}.lag.oldest_ms`);
  const parts = [await collect(bus, `${system.prefix}.lag.p0.entries`), await collect(bus, `${system.prefix}.lag.p1.entries`)];
  const events = Array.from({ length: 30 }, (_, i) => ({ topic: `t${i}`, ts: Date.now(), value: i }));
  await bus.ingest.append(events);
  await eventually(() => total.values.at(-1) === 30, 2000, 'the backlog published');
  const expected = [0, 1].map((p) => events.filter((e) => bus.ingest.partitionOf(e.topic) === p).length);
  assert.deepEqual(parts.map((p) => p.values.at(-1)), expected);
  const before = oldest.values.at(-1)!;
  await eventually(() => oldest.values.at(-1)! >= before + 100, 2000, 'the oldest entry ages');
  // Consumed and acknowledged: the lag falls back to 0.
  const read = await bus.ingest.read('processor', 'c', [0, 1], { pending: false, count: 100, blockMs: 0 });
  await bus.ingest.ack('processor', read);
  await eventually(() => total.values.at(-1) === 0 && oldest.values.at(-1) === 0, 2000, 'lag 0 once processed');
  system.stop();
  await bus.close();
});

test('a lag measure that never returns is not doubled up and does not hold back the other numbers', async () => {
  const bus = new MemoryBus({ partitions: 2 });
  let calls = 0;
  const system = new SystemTopics(bus.broker, readings, 'stuck', 20, () => {
    calls++;
    return new Promise(() => {});
  });
  const connections = await collect(bus, `${system.prefix}.connections`);
  await eventually(() => connections.values.length >= 5, 2000, 'the other numbers go on');
  assert.equal(calls, 1);
  system.stop();
  await bus.close();
});
