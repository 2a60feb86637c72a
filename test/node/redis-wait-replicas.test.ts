/**
 * Ingest appends that must reach replicas (RT_REDIS_WAIT_REPLICAS): with a
 * real replica attached they resolve and the replica has them; with none,
 * the append fails with ReplicaAckError (ingest answers 503), naming the
 * settings, instead of being acknowledged.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { RedisBus, ReplicaAckError } from '../../bus/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

let master: TestRedis;
let lonely: TestRedis;
let replica: TestRedis;
before(async () => {
  [master, lonely] = await Promise.all([startRedis(), startRedis()]);
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
});
after(async () => Promise.all([replica, master, lonely].map((r) => r?.stop())));

test('with a replica attached, an append resolves only once the replica has it', async () => {
  const bus = new RedisBus({ url: master.url, keyPrefix: 'w', partitions: 1, waitReplicas: 1, waitTimeoutMs: 5000 });
  await bus.connect();
  const ids = await bus.ingest.append(Array.from({ length: 100 }, (_, i) => ({ topic: 't', ts: i + 1, value: i })));
  assert.equal(ids.filter(Boolean).length, 100);
  const client = createClient({ url: replica.url });
  await client.connect();
  assert.equal(Number(await client.sendCommand(['XLEN', 'w:in:{0}'])), 100, 'the replica holds every acknowledged event');
  client.destroy();
  await bus.close();
});

test('without a replica, an append is refused with ReplicaAckError naming the settings', async () => {
  const bus = new RedisBus({ url: lonely.url, keyPrefix: 'w', partitions: 1, waitReplicas: 1, waitTimeoutMs: 50 });
  await bus.connect();
  await assert.rejects(bus.ingest.append([{ topic: 't', ts: 1, value: 1 }]), (error: unknown) => {
    assert.ok(error instanceof ReplicaAckError);
    assert.equal(error.code, 'redis_replica_ack_missing');
    assert.match(error.message, /only 0 of 1 Redis replica\(s\) confirmed the append within 50 ms \(RT_REDIS_WAIT_REPLICAS, RT_REDIS_WAIT_TIMEOUT_MS\)/);
    return true;
  });
  await bus.close();
});
