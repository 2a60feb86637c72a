/**
 * The Redis bus on a real 3-master Redis Cluster (free ports,
 * `redis-cli --cluster create`): cluster mode is detected from one node's
 * URL or taken from a seed list, ingest partitions land on several shards,
 * and publishing uses sharded Pub/Sub: the topic's channel is subscribed on
 * the shard that owns its slot only (SSUBSCRIBE), never as a classic
 * channel broadcast to every node.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { keyNames, RedisBus } from '../../bus/index.js';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster.js';
import { redisCommand } from '../support/redis-server.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startRedisCluster({ masters: 3 });
});
after(async () => cluster?.stop());


test('REDIS_URL naming any one node is detected as a Cluster; a seed list works too', async () => {
  for (const url of [cluster.nodes[2].url, cluster.seeds]) {
    const bus = new RedisBus({ url, keyPrefix: 'detect', partitions: 2 });
    await bus.connect();
    const ids = await bus.ingest.append([{ topic: 'a', ts: 1, value: 1 }, { topic: 'b', ts: 2, value: 2 }]);
    assert.equal(ids.filter(Boolean).length, 2);
    assert.ok(bus.healthy());
    await bus.close();
  }
});

test('ingest partitions spread over the shards: 4 partitions use all 3 masters', async () => {
  const keys = keyNames('spread');
  const masters = new Set(await Promise.all([0, 1, 2, 3].map((p) => cluster.masterOf(keys.ingest(p)))));
  assert.equal(masters.size, 3);
  const bus = new RedisBus({ url: cluster.url, keyPrefix: 'spread', partitions: 4 });
  await bus.connect();
  await bus.ingest.ensureGroup('g');
  const events = Array.from({ length: 40 }, (_, i) => ({ topic: `t${i}`, ts: i + 1, value: i }));
  await bus.ingest.append(events);
  const read = await bus.ingest.read('g', 'c', [0, 1, 2, 3], { count: 100, blockMs: 100, pending: false });
  assert.equal(read.length, 40, 'one read across partitions of different slots gets every entry');
  await bus.close();
});

test('a topic is published with SPUBLISH to its own shard and received through SSUBSCRIBE there only', async () => {
  const keys = keyNames('shard');
  const bus = new RedisBus({ url: cluster.url, keyPrefix: 'shard' });
  await bus.connect();
  const got: string[] = [];
  const unsubscribe = await bus.broker.subscribe('cpu', (id) => got.push(id));
  const owner = await cluster.masterOf(keys.history('cpu'));
  assert.equal(await cluster.masterOf(keys.channel('cpu')), owner, 'history and channel share a slot');
  for (const node of cluster.nodes) {
    const [, sharded] = (await redisCommand(node.port, ['PUBSUB', 'SHARDNUMSUB', keys.channel('cpu')])) as [string, number];
    const [, classic] = (await redisCommand(node.port, ['PUBSUB', 'NUMSUB', keys.channel('cpu')])) as [string, number];
    assert.equal(Number(sharded), node.port === owner ? 1 : 0, `shard subscribers on ${node.port}`);
    assert.equal(Number(classic), 0, `no classic subscription on ${node.port}`);
  }
  const [id] = await bus.broker.publish([{ topic: 'cpu', body: { ts: 1, value: 1 } }]);
  for (const deadline = Date.now() + 5000; !got.includes(id!); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error('the sharded message did not arrive');
  }
  await unsubscribe();
  await bus.close();
});
