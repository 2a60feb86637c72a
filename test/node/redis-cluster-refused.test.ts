/**
 * A REDIS_URL that names a Redis Cluster node is refused at connect with a
 * clear error code, instead of MOVED/CROSSSLOT failures at random later.
 * The node is a real redis-server with cluster mode on (no slots needed:
 * the check reads `INFO cluster`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisBus, RedisClusterUnsupportedError } from '../../bus/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

let node: TestRedis;
before(async () => {
  node = await startRedis({ args: ['--cluster-enabled', 'yes'] });
});
after(async () => node.stop());

test('the Redis bus refuses a cluster node with redis_cluster_unsupported and closes its connection', async () => {
  const bus = new RedisBus({ url: node.url });
  await assert.rejects(bus.connect(), (error: unknown) => {
    assert.ok(error instanceof RedisClusterUnsupportedError);
    assert.equal(error.code, 'redis_cluster_unsupported');
    assert.match(error.message, /is a Redis Cluster node \(cluster_enabled:1\)/);
    return true;
  });
  assert.equal(bus.healthy(), false);
  await bus.close();
});
