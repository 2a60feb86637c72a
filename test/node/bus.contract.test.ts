/**
 * One contract, two engines: every promise of the Bus interface is checked
 * against the memory bus and against a real redis-server started here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { compareIds } from '../../protocol/index.js';
import { MemoryBus, RedisBus, keyNames, type Bus, type IngestEvent } from '../../bus/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/ws-client.js';

interface Engine {
  name: string;
  make(options: { historyMaxLen?: number; partitions?: number }): Promise<Bus>;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

let redis: TestRedis;
let prefixCounter = 0;

const engines: Engine[] = [
  { name: 'memory bus', make: async (o) => new MemoryBus(o) },
  {
    name: 'redis bus',
    setup: async () => {
      redis = await startRedis();
    },
    teardown: async () => {
      await redis.stop();
    },
    make: async (o) => {
      const bus = new RedisBus({ url: redis.url, keyPrefix: `t${++prefixCounter}`, ...o });
      await bus.connect();
      return bus;
    },
  },
];

const ev = (topic: string, value: number): IngestEvent => ({ topic, ts: 1_700_000_000_000 + value, value });

for (const engine of engines) {
  describe(engine.name, () => {
    const open: Bus[] = [];
    const make = async (o: { historyMaxLen?: number; partitions?: number } = {}): Promise<Bus> => {
      const bus = await engine.make(o);
      open.push(bus);
      return bus;
    };
    before(async () => engine.setup?.());
    after(async () => {
      await Promise.all(open.map((b) => b.close()));
      await engine.teardown?.();
    });

    test('appended events are read by the consumer group in order, once', async () => {
      const bus = await make({ partitions: 2 });
      await bus.ensureGroup('g');
      const ids = await bus.append([ev('a', 1), ev('a', 2), ev('b', 3), ev('a', 4)]);
      assert.equal(ids.length, 4);
      const read = await bus.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
      assert.equal(read.length, 4);
      const aValues = read.filter((e) => e.event?.topic === 'a').map((e) => e.event?.value);
      assert.deepEqual(aValues, [1, 2, 4]);
      const again = await bus.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
      assert.equal(again.length, 0);
    });

    test('unacknowledged entries stay pending for their consumer until acked', async () => {
      const bus = await make({ partitions: 1 });
      await bus.ensureGroup('g');
      await bus.append([ev('a', 1), ev('a', 2), ev('a', 3)]);
      const read = await bus.read('g', 'c1', [0], { pending: false, count: 100, blockMs: 10 });
      await bus.ack('g', read.slice(0, 1));
      const pending = await bus.read('g', 'c1', [0], { pending: true, count: 100, blockMs: 0 });
      assert.deepEqual(pending.map((e) => e.event?.value), [2, 3]);
      const otherConsumer = await bus.read('g', 'c2', [0], { pending: true, count: 100, blockMs: 0 });
      assert.equal(otherConsumer.length, 0);
    });

    test('a new consumer takes over the pending entries of a dead one', async () => {
      const bus = await make({ partitions: 1 });
      await bus.ensureGroup('g');
      await bus.append([ev('a', 1), ev('a', 2)]);
      await bus.read('g', 'dead', [0], { pending: false, count: 100, blockMs: 10 });
      const moved = await bus.takeOverPending('g', 'heir', 0);
      assert.equal(moved, 2);
      const pending = await bus.read('g', 'heir', [0], { pending: true, count: 100, blockMs: 0 });
      assert.deepEqual(pending.map((e) => e.event?.value), [1, 2]);
    });

    test('a blocked read wakes up when an event is appended', async () => {
      const bus = await make({ partitions: 1 });
      await bus.ensureGroup('g');
      const reading = bus.read('g', 'c', [0], { pending: false, count: 10, blockMs: 5000 });
      await new Promise((r) => setTimeout(r, 50));
      await bus.append([ev('a', 7)]);
      const got = await reading;
      assert.deepEqual(got.map((e) => e.event?.value), [7]);
    });

    test('a partition lease has one owner at a time and can be released', async () => {
      const bus = await make({ partitions: 2 });
      assert.equal(await bus.lease(0, 'p1', 10_000), true);
      assert.equal(await bus.lease(0, 'p2', 10_000), false);
      assert.equal(await bus.lease(0, 'p1', 10_000), true, 'the owner renews');
      assert.equal(await bus.lease(1, 'p2', 10_000), true);
      await bus.releaseLease(0, 'p2');
      assert.equal(await bus.lease(0, 'p2', 10_000), false, 'only the owner releases');
      await bus.releaseLease(0, 'p1');
      assert.equal(await bus.lease(0, 'p2', 10_000), true);
    });

    test('an expired lease can be taken by another owner', async () => {
      const bus = await make({ partitions: 1 });
      assert.equal(await bus.lease(0, 'p1', 30), true);
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(await bus.lease(0, 'p2', 10_000), true);
    });

    test('presence counts live processors; expired and departed ones drop out', async () => {
      const bus = await make();
      assert.equal(await bus.presence('a', 10_000), 1);
      assert.equal(await bus.presence('b', 40), 2);
      assert.equal(await bus.presence('a', 10_000), 2, 'renewing does not count twice');
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(await bus.presence('a', 10_000), 1, 'b expired');
      assert.equal(await bus.presence('c', 10_000), 2);
      await bus.leavePresence('c');
      assert.equal(await bus.presence('a', 10_000), 1);
    });

    test('published messages reach subscribers in order with increasing ids, and land in history', async () => {
      const bus = await make();
      const got: [string, string][] = [];
      const stop = await bus.subscribe('cpu', (id, body) => got.push([id, body]));
      const ids = await bus.publish([1, 2, 3].map((v) => ({ topic: 'cpu', body: { ts: v, value: v } })));
      await eventually(() => got.length === 3);
      assert.deepEqual(got.map(([id]) => id), ids);
      assert.deepEqual(got.map(([, body]) => JSON.parse(body).value), [1, 2, 3]);
      assert.ok(compareIds(ids[0]!, ids[1]!) < 0 && compareIds(ids[1]!, ids[2]!) < 0);
      const history = await bus.history('cpu', '0-0', 100);
      assert.deepEqual(history.entries.map((e) => e.id), ids);
      assert.equal(history.gap, false);
      const since = await bus.history('cpu', ids[0]!, 100);
      assert.deepEqual(since.entries.map((e) => e.id), ids.slice(1));
      assert.deepEqual((await bus.latest('cpu', 2)).map((e) => e.id), ids.slice(1));
      await stop();
      await bus.publish([{ topic: 'cpu', body: { ts: 4, value: 4 } }]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got.length, 3, 'no delivery after unsubscribe');
    });

    test('latest with a minimum id returns only entries at or after it, newest count of them', async () => {
      const bus = await make();
      const ids = (await bus.publish([1, 2, 3, 4, 5].map((v) => ({ topic: 'win', body: { ts: v, value: v } })))) as string[];
      assert.deepEqual((await bus.latest('win', 10, ids[2])).map((e) => e.id), ids.slice(2));
      assert.deepEqual((await bus.latest('win', 2, ids[1])).map((e) => e.id), ids.slice(3));
      assert.deepEqual(await bus.latest('win', 10, '99999999999999-0'), []);
    });

    test('a publish whose source is not newer than the last one is skipped', async () => {
      const bus = await make();
      const first = await bus.publish([
        { topic: 't', body: { ts: 1, value: 1 }, source: { partition: 0, id: '5-0' } },
        { topic: 't', body: { ts: 2, value: 2 }, source: { partition: 0, id: '6-0' } },
      ]);
      assert.ok(first.every((id) => id !== null));
      const redo = await bus.publish([
        { topic: 't', body: { ts: 1, value: 1 }, source: { partition: 0, id: '5-0' } },
        { topic: 't', body: { ts: 2, value: 2 }, source: { partition: 0, id: '6-0' } },
        { topic: 't', body: { ts: 3, value: 3 }, source: { partition: 0, id: '7-0' } },
      ]);
      assert.equal(redo[0], null);
      assert.equal(redo[1], null);
      assert.notEqual(redo[2], null);
      assert.equal((await bus.history('t', '0-0', 100)).entries.length, 3);
    });

    test('history reports a gap when entries after the requested id were trimmed', async () => {
      const bus = await make({ historyMaxLen: 10 });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(...((await bus.publish(Array.from({ length: 10 }, (_, j) => ({ topic: 'g', body: { ts: i * 10 + j, value: j } })))) as string[]));
      const old = await bus.history('g', ids[0]!, 1000);
      assert.equal(old.gap, true);
      const recent = await bus.history('g', ids[ids.length - 3]!, 1000);
      assert.equal(recent.gap, false);
      assert.deepEqual(recent.entries.map((e) => e.id), ids.slice(-2));
      await bus.publish([1, 2, 3].map((v) => ({ topic: 'fresh', body: { ts: v, value: v } })));
      assert.equal((await bus.history('fresh', '0-0', 10)).gap, false, 'from the start of an untrimmed topic');
      assert.equal((await bus.history('fresh', '1-0', 10)).gap, true, 'a since that is no id of the topic cannot be proven gap-free');
      const missing = await bus.history('never-published', '0-0', 10);
      assert.deepEqual(missing, { entries: [], gap: false });
    });
  });
}

describe('redis bus only', () => {
  let server: TestRedis;
  before(async () => {
    server = await startRedis();
  });
  after(async () => server.stop());

  test('entries that producers wrote to the ingest stream directly are validated, hostile ones included', async () => {
    const bus = new RedisBus({ url: server.url, keyPrefix: 'direct', partitions: 1 });
    await bus.connect();
    const raw = createClient({ url: server.url });
    await raw.connect();
    try {
      await bus.ensureGroup('g');
      const key = keyNames('direct').ingest(0);
      await raw.sendCommand(['XADD', key, '*', 'topic', 'ok.topic', 'value', '4.5']);
      await raw.sendCommand(['XADD', key, '*', 'topic', 'bad topic', 'value', '1']);
      await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', '{not json']);
      await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'value', 'NaN']);
      await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`]);
      const read = await bus.read('g', 'c', [0], { pending: false, count: 10, blockMs: 10 });
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
    }
  });
});
