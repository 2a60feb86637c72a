/**
 * The whole path on a real 3-master Redis Cluster, every service in its own
 * process: producer → ingest (partitions on every shard) → two processors →
 * sharded Pub/Sub → gateway → WebSocket. REDIS_URL names one node; the
 * services detect the Cluster. Every event reaches the client once, in
 * order per topic, and the gateway's SIGKILL is resumed with `since`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../support/free-port.js';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { TestClient } from '../support/ws-client.js';

let cluster: TestCluster;
const running: RtProcess[] = [];
const clients: TestClient[] = [];

before(async () => {
  cluster = await startRedisCluster({ masters: 3 });
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await cluster?.stop();
});

async function rt(command: string, args: string[], env: Record<string, string>): Promise<RtProcess> {
  const p = await startRt(command, args, { REDIS_URL: cluster.nodes[1].url, RT_PARTITIONS: '4', ...env });
  running.push(p);
  return p;
}

async function post(port: number, events: object[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  assert.equal(res.status, 202, await res.text());
}

test('on a Redis Cluster every event reaches the client once and in order per topic; a SIGKILLed gateway is resumed with since', async () => {
  const env = { RT_KEY_PREFIX: 'cl', RT_LEASE_TTL_MS: '1000' };
  const ingestPort = await freePort();
  const gatewayPort = await freePort();
  await rt('ingest', ['--port', String(ingestPort)], env);
  await rt('processor', [], env);
  await rt('processor', [], env);
  let gateway = await rt('gateway', ['--port', String(gatewayPort)], env);

  // Eight topics: their histories and ingest partitions land on all three shards.
  const topics = Array.from({ length: 8 }, (_, i) => `cluster.t${i}`);
  const subscribe = async (since?: Map<string, string>): Promise<TestClient> => {
    const c = await TestClient.connect(`ws://127.0.0.1:${gatewayPort}/ws`);
    clients.push(c);
    c.send({ op: 'sub', topics: topics.map((topic) => (since ? { topic, since: since.get(topic)! } : { topic, snapshot: 0 })) });
    await c.until(() => c.frameOf('subscribed').length === 1);
    return c;
  };
  const round = async (from: number, count: number): Promise<void> => {
    await post(ingestPort, topics.flatMap((topic) => Array.from({ length: count }, (_, i) => ({ topic, data: { n: from + i } }))));
  };
  const first = await subscribe();
  for (let r = 0; r < 5; r++) await round(r * 40, 40);
  await first.until(() => topics.every((t) => first.of(t).length === 200), 20_000, '200 messages per topic');

  await gateway.kill('SIGKILL');
  await first.closed;
  const since = new Map(topics.map((t) => [t, first.of(t).at(-1)!.id]));
  for (let r = 5; r < 10; r++) await round(r * 40, 40);
  gateway = await rt('gateway', ['--port', String(gatewayPort)], env);
  const resumed = await subscribe(since);
  for (let r = 10; r < 15; r++) await round(r * 40, 40);
  await resumed.until(() => topics.every((t) => resumed.of(t).length === 400), 20_000, '400 more messages per topic');

  for (const topic of topics) {
    const ns = [...first.of(topic), ...resumed.of(topic)].map((m) => m.data!.n as number);
    assert.deepEqual(ns, Array.from({ length: 600 }, (_, i) => i), `${topic}: every message once, in order`);
  }
  assert.equal(resumed.frameOf('gap').length, 0);
  assert.equal(resumed.frameOf('reset').length, 0);
});
