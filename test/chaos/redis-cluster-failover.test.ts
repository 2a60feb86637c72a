/**
 * Chaos 9: Redis Cluster (3 masters + 3 replicas, `appendfsync always`),
 * one master SIGKILLed mid-stream: the one serving the first topic's
 * history. Its replica is promoted (cluster-node-timeout 1 s); node-redis
 * follows the new slot map. Ingest waits for one replica per append
 * (RT_REDIS_WAIT_REPLICAS=1), so nothing acknowledged is lost; gateways
 * lose a sharded subscriber connection, close their clients with 1012, and
 * clients resume with `since` (a `reset` where the promoted replica lacks
 * history they had seen).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { keyNames } from '../../bus/index.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { runScenario } from './support/scenario.js';
import { Stack } from './support/stack.js';

const stacks: Stack[] = [];
after(() => Promise.all(stacks.map((s) => s.stop())));

test('Redis Cluster: the master of a topic\'s slot SIGKILLed mid-stream, its replica promoted: nothing acknowledged lost', async () => {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, aof: true });
  const stack = await Stack.start({ backend: { url: cluster.url, pids: cluster.pids, stop: () => cluster.stop() }, env: { RT_REDIS_WAIT_REPLICAS: '1' } });
  stacks.push(stack);
  const name = 'redis-cluster-master-kill';
  const victimKey = keyNames('rt').history(`chaos.${name}.t0`);
  const before = await cluster.masterOf(victimKey);
  let after = 0;
  const figures = await runScenario({
    name,
    stack,
    url: () => stack.gateways[0].wsUrl,
    fault: async () => void (after = await cluster.killMasterOf(victimKey)),
  });
  assert.notEqual(after, before, 'a replica took over the slot');
  assert.equal(figures.lost, 0);
});
