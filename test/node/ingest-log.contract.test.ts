/**
 * The ingest log contract: every promise of the `IngestLog` role, checked against
 * the memory engine and against the Redis engine on a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import { keyNames, RedisBus, type IngestEvent } from '../../bus/index.js';
import { forEachEngine } from '../support/bus-engines.js';
import { startRedis } from '../support/redis-server.js';

const ev = (topic: string, value: number): IngestEvent => ({ topic, ts: 1_700_000_000_000 + value, value });

forEachEngine('ingest log', ({ make }) => {
  test('appended events are read by the consumer group in order, once', async () => {
    const log = (await make({ partitions: 2 })).ingest;
    await log.ensureGroup('g');
    const ids = await log.append([ev('a', 1), ev('a', 2), ev('b', 3), ev('a', 4)]);
    assert.equal(ids.length, 4);
    const read = await log.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
    assert.equal(read.length, 4);
    const aValues = read.filter((e) => e.event?.topic === 'a').map((e) => e.event?.value);
    assert.deepEqual(aValues, [1, 2, 4]);
    const again = await log.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
    assert.equal(again.length, 0);
  });

  test('unacknowledged entries stay pending for their consumer until acked', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    await log.append([ev('a', 1), ev('a', 2), ev('a', 3)]);
    const read = await log.read('g', 'c1', [0], { pending: false, count: 100, blockMs: 10 });
    await log.ack('g', read.slice(0, 1));
    const pending = await log.read('g', 'c1', [0], { pending: true, count: 100, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.event?.value), [2, 3]);
    const otherConsumer = await log.read('g', 'c2', [0], { pending: true, count: 100, blockMs: 0 });
    assert.equal(otherConsumer.length, 0);
  });

  test('a new consumer takes over the pending entries of a dead one', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    await log.append([ev('a', 1), ev('a', 2)]);
    await log.read('g', 'dead', [0], { pending: false, count: 100, blockMs: 10 });
    const moved = await log.takeOverPending('g', 'heir', 0);
    assert.equal(moved, 2);
    const pending = await log.read('g', 'heir', [0], { pending: true, count: 100, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.event?.value), [1, 2]);
  });

  test('a blocked read wakes up when an event is appended', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    const reading = log.read('g', 'c', [0], { pending: false, count: 10, blockMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    await log.append([ev('a', 7)]);
    const got = await reading;
    assert.deepEqual(got.map((e) => e.event?.value), [7]);
  });
});

test('the Redis ingest log validates entries that producers wrote to the stream directly, hostile ones included', async () => {
  const server = await startRedis();
  const bus = new RedisBus({ url: server.url, keyPrefix: 'direct', partitions: 1 });
  await bus.connect();
  const raw = createClient({ url: server.url });
  await raw.connect();
  try {
    await bus.ingest.ensureGroup('g');
    const key = keyNames('direct').ingest(0);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'ok.topic', 'value', '4.5']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'bad topic', 'value', '1']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', '{not json']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'value', 'NaN']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`]);
    const read = await bus.ingest.read('g', 'c', [0], { pending: false, count: 10, blockMs: 10 });
    assert.equal(read.length, 5);
    assert.equal(read[0].event?.value, 4.5);
    assert.equal(typeof read[0].event?.ts, 'number');
    assert.match(read[1].problem ?? '', /topic/);
    assert.match(read[2].problem ?? '', /data/);
    assert.match(read[3].problem ?? '', /value/);
    assert.match(read[4].problem ?? '', /levels deep/);
  } finally {
    await raw.destroy();
    await bus.close();
    await server.stop();
  }
});
