/**
 * The processor's promises that need no separate processes: a failed batch
 * is redone before anything newer, misplaced entries are refused, and a
 * Redis that lost its data (consumer group included) is picked up again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { keyNames, MemoryBroker, MemoryBus, RedisBus, type Bus, type PublishRequest } from '../../bus/index.js';
import { Processor } from '../../processor/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/ws-client.js';

const quiet = { info() {}, warn() {}, error() {} };

/** The memory broker with one injected publish failure: a fault, not a fake. */
class FailingOnceBroker extends MemoryBroker {
  failures = 1;
  override async publish(requests: readonly PublishRequest[]): Promise<(string | null)[]> {
    if (this.failures-- > 0) throw new Error('injected publish failure');
    return super.publish(requests);
  }
}

/** The memory bus whose broker fails its first publish. */
class FailingOnceBus extends MemoryBus {
  override readonly broker = new FailingOnceBroker();
}

/** What the processor's process hands it: the three roles of one bus. */
const roles = (bus: Bus) => ({ ingest: bus.ingest, coordination: bus.coordination, broker: bus.broker, state: bus.state });

const values = async (bus: Bus, topic: string): Promise<number[]> =>
  (await bus.broker.history(topic, '0-0', 10_000)).entries.map((e) => JSON.parse(e.body).value as number);

describe('processor', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => redis.stop());

  test('a batch whose publish failed is redone before anything newer, so nothing is lost', async () => {
    const bus = new FailingOnceBus({ partitions: 1 });
    const processor = new Processor({ ...roles(bus), log: quiet, blockMs: 20 });
    try {
      await bus.ingest.append(Array.from({ length: 10 }, (_, i) => ({ topic: 't', ts: i, value: i })));
      await processor.start();
      await eventually(() => bus.broker.failures < 0 || processor.stats.processed > 0, 3000, 'first attempt');
      await bus.ingest.append(Array.from({ length: 10 }, (_, i) => ({ topic: 't', ts: 10 + i, value: 10 + i })));
      await eventually(async () => (await values(bus, 't')).length === 20, 5000, 'all 20 published');
      assert.deepEqual(await values(bus, 't'), Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await processor.stop();
      await bus.close();
    }
  });

  /** A processor on a real Redis bus, with a raw client for writing around it; all closed afterwards. */
  async function onRedis(prefix: string, partitions: number, body: (bus: RedisBus, raw: { sendCommand(args: string[]): Promise<unknown> }, processor: Processor) => Promise<void>): Promise<void> {
    const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions });
    await bus.connect();
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const processor = new Processor({ ...roles(bus), log: quiet, blockMs: 20 });
    try {
      await processor.start();
      await body(bus, raw, processor);
    } finally {
      await processor.stop();
      await raw.destroy();
      await bus.close();
    }
  }

  test('an entry written to the wrong partition goes to the dead-letter stream, not published out of order', () =>
    onRedis('misplaced', 2, async (bus, raw, processor) => {
      const wrong = 1 - bus.ingest.partitionOf('orders');
      await raw.sendCommand(['XADD', keyNames('misplaced').ingest(wrong), '*', 'topic', 'orders', 'value', '1']);
      await raw.sendCommand(['XADD', keyNames('misplaced').ingest(bus.ingest.partitionOf('orders')), '*', 'topic', 'orders', 'value', '2']);
      await eventually(() => processor.stats.processed === 2, 5000, 'both entries handled');
      assert.equal(processor.stats.deadLetters, 1);
      const [letter] = await bus.state.deadLetters(10);
      assert.equal(letter.code, 'misplaced_entry');
      assert.equal(letter.partition, wrong);
      assert.deepEqual(JSON.parse(letter.entry), { topic: 'orders', ts: JSON.parse(letter.entry).ts, value: 1 });
      assert.deepEqual(await values(bus, 'orders'), [2]);
    }));

  test('after Redis lost everything, consumer group included, the processor recreates the group and goes on', () =>
    onRedis('flushed', 1, async (bus, raw) => {
      await bus.ingest.append([{ topic: 'x', ts: 1, value: 1 }]);
      await eventually(async () => (await values(bus, 'x')).length === 1, 5000, 'first event');
      await raw.sendCommand(['FLUSHALL']);
      await eventually(async () => {
        await bus.ingest.append([{ topic: 'x', ts: 2, value: 2 }]);
        return (await values(bus, 'x')).includes(2);
      }, 10_000, 'processing resumed');
    }));
});
