/**
 * The whole path with every service in its own process on a real Redis:
 * producer → ingest → stream → processor → Pub/Sub → gateway → WebSocket.
 * Fault tests kill real processes with SIGKILL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually, TestClient } from '../support/ws-client.js';

let redis: TestRedis;
const running: RtProcess[] = [];
const clients: TestClient[] = [];

before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await redis.stop();
});

async function rt(command: string, args: string[], env: Record<string, string>): Promise<RtProcess> {
  const p = await startRt(command, args, { REDIS_URL: redis.url, ...env });
  running.push(p);
  return p;
}

async function post(port: number, events: object[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  assert.equal(res.status, 202, await res.text());
}

async function subscribe(gatewayPort: number, topic: string, since?: string): Promise<TestClient> {
  const c = await TestClient.connect(`ws://127.0.0.1:${gatewayPort}/ws`);
  clients.push(c);
  c.send({ op: 'sub', topics: [since ? { topic, since } : { topic, snapshot: 0 }] });
  await c.until(() => c.frameOf('subscribed').length === 1);
  return c;
}

const batch = (topic: string, from: number, count: number): object[] =>
  Array.from({ length: count }, (_, i) => ({ topic, data: { n: from + i } }));

function assertExactlyOnceInOrder(ns: number[], total: number): void {
  const dupes = ns.filter((n, i) => ns.indexOf(n) !== i);
  assert.deepEqual(dupes, [], 'no message delivered twice');
  assert.deepEqual(ns, Array.from({ length: total }, (_, i) => i), 'every message, in order');
}

test('events POSTed to ingest reach a WebSocket client through separate processes, in order, once; a SIGKILLed gateway is resumed with since', async () => {
  const env = { RT_KEY_PREFIX: 'e2e1' };
  const ingestPort = await freePort();
  const gatewayPort = await freePort();
  await rt('ingest', ['--port', String(ingestPort)], env);
  await rt('processor', [], env);
  let gateway = await rt('gateway', ['--port', String(gatewayPort)], env);

  const topic = 'orders.events';
  const first = await subscribe(gatewayPort, topic);
  for (let i = 0; i < 10; i++) await post(ingestPort, batch(topic, i * 50, 50));
  await first.until(() => first.of(topic).length === 500, 10_000, '500 messages');

  await gateway.kill('SIGKILL');
  await first.closed;
  const seen = first.of(topic);
  const lastId = seen[seen.length - 1].id;
  // Producers go on while the gateway is down.
  for (let i = 10; i < 20; i++) await post(ingestPort, batch(topic, i * 50, 50));
  gateway = await rt('gateway', ['--port', String(gatewayPort)], env);
  const resumed = await subscribe(gatewayPort, topic, lastId);
  for (let i = 20; i < 30; i++) await post(ingestPort, batch(topic, i * 50, 50));
  await resumed.until(() => resumed.of(topic).length === 1000, 15_000, '1000 more messages');

  const all = [...seen, ...resumed.of(topic)].map((m) => m.data!.n as number);
  assertExactlyOnceInOrder(all, 1500);
  assert.equal(resumed.frameOf('gap').length, 0);
});

test('a processor killed with SIGKILL mid-stream and restarted loses nothing and publishes nothing twice', async () => {
  const env = { RT_KEY_PREFIX: 'e2e2', RT_PROCESSOR_NAME: 'proc-a' };
  const ingestPort = await freePort();
  const gatewayPort = await freePort();
  await rt('ingest', ['--port', String(ingestPort)], env);
  await rt('gateway', ['--port', String(gatewayPort)], env);
  let processor = await rt('processor', [], env);

  const topic = 'crash.events';
  const client = await subscribe(gatewayPort, topic);
  const total = 3000;
  let posted = 0;
  const producer = (async () => {
    while (posted < total) {
      await post(ingestPort, batch(topic, posted, 100));
      posted += 100;
    }
  })();
  await client.until(() => client.of(topic).length >= 300, 10_000, 'processing under way');
  await processor.kill('SIGKILL');
  processor = await rt('processor', [], env);
  await producer;
  await client.until(() => client.of(topic).length >= total, 20_000, `${total} messages`);
  await new Promise((r) => setTimeout(r, 200));
  assertExactlyOnceInOrder(client.of(topic).map((m) => m.data!.n as number), total);
});

test('two processors share the partitions; when one dies for good the other takes all of them, losing nothing', async () => {
  const env = { RT_KEY_PREFIX: 'e2e3', RT_LEASE_TTL_MS: '1000' };
  const ingestPort = await freePort();
  const gatewayPort = await freePort();
  await rt('ingest', ['--port', String(ingestPort)], env);
  await rt('gateway', ['--port', String(gatewayPort)], env);
  const firstPort = await freePort();
  const doomed = await rt('processor', ['--name', 'doomed', '--port', String(firstPort)], env);
  const secondPort = await freePort();
  await rt('processor', ['--name', 'survivor', '--port', String(secondPort)], env);
  const owned = async (port: number): Promise<number[]> => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { processor: { owned: number[] } }).processor.owned;
  await eventually(async () => (await owned(firstPort)).length === 2 && (await owned(secondPort)).length === 2, 10_000, 'two partitions each');

  const topic = 'failover.events';
  const client = await subscribe(gatewayPort, topic);
  // Many topics, so both processors have work; one topic is followed end to end.
  const spread = (from: number): object[] => [...batch(topic, from, 100), ...Array.from({ length: 50 }, (_, i) => ({ topic: `noise.t${i}`, value: i }))];
  await post(ingestPort, spread(0));
  await post(ingestPort, spread(100));
  await client.until(() => client.of(topic).length === 200, 10_000, 'first 200');
  await doomed.kill('SIGKILL');
  await post(ingestPort, spread(200));
  await post(ingestPort, spread(300));
  await client.until(() => client.of(topic).length === 400, 15_000, 'the survivor processes the rest');
  assertExactlyOnceInOrder(client.of(topic).map((m) => m.data!.n as number), 400);
  await eventually(async () => (await owned(secondPort)).length === 4, 10_000, 'the survivor owns every partition');
  assert.match(await (await fetch(`http://127.0.0.1:${secondPort}/metrics`)).text(), /^rt_processor_partitions_owned 4$/m);
});

test('a gateway whose Redis subscriber connection drops asks clients to reconnect (1012); resuming with since loses nothing', async () => {
  const env = { RT_KEY_PREFIX: 'e2e4' };
  const ingestPort = await freePort();
  const gatewayPort = await freePort();
  await rt('ingest', ['--port', String(ingestPort)], env);
  await rt('processor', [], env);
  await rt('gateway', ['--port', String(gatewayPort)], env);

  const topic = 'blip.events';
  const first = await subscribe(gatewayPort, topic);
  await post(ingestPort, batch(topic, 0, 100));
  await first.until(() => first.of(topic).length === 100, 10_000, 'first 100');

  const admin = createClient({ url: redis.url });
  await admin.connect();
  try {
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
  } finally {
    await admin.destroy();
  }
  assert.equal((await first.closed).code, 1012);
  await post(ingestPort, batch(topic, 100, 100));
  const seen = first.of(topic);
  const resumed = await subscribe(gatewayPort, topic, seen[seen.length - 1].id);
  await post(ingestPort, batch(topic, 200, 100));
  await resumed.until(() => resumed.of(topic).length === 200, 10_000, 'the other 200');
  assertExactlyOnceInOrder([...seen, ...resumed.of(topic)].map((m) => m.data!.n as number), 300);
});
