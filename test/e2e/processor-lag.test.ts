/**
 * The processor lag on `$sys.gateway.<instance>.lag.…`, in a split
 * deployment on a real Redis: `rt ingest`, `rt processor` and `rt gateway`
 * as separate processes. While the processor runs the published backlog is
 * 0; once it is SIGKILLed, accepted events pile up and the gateway publishes
 * a growing backlog (entries, and age of the oldest); a new processor
 * drains it back to 0.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { TestClient } from '../support/ws-client.js';

const PARTITIONS = 2;
let redis: TestRedis;
const running: RtProcess[] = [];
let env: Record<string, string>;
let ingestPort: number;
let gatewayPort: number;

before(async () => {
  redis = await startRedis();
  env = { REDIS_URL: redis.url, RT_PARTITIONS: String(PARTITIONS), RT_LEASE_TTL_MS: '1000' };
  ingestPort = await freePort();
  gatewayPort = await freePort();
  running.push(await startRt('ingest', ['--port', String(ingestPort)], env));
  running.push(await startRt('gateway', ['--port', String(gatewayPort), '--no-demo'], env));
});
after(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await redis?.stop();
});

async function startProcessor(): Promise<RtProcess> {
  const rt = await startRt('processor', [], env);
  running.push(rt);
  return rt;
}

async function post(count: number, from: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({ topic: `lag.t${(from + i) % 7}`, value: from + i }));
  const res = await fetch(`http://127.0.0.1:${ingestPort}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
  assert.equal(res.status, 202, await res.text());
}

test('a stopped processor makes the lag the gateway publishes grow; a new one drains it to 0', async () => {
  const html = await (await fetch(`http://127.0.0.1:${gatewayPort}/admin`)).text();
  const prefix = /topic="(\$sys\.gateway\.[^"]+)\.connections"/.exec(html)?.[1];
  assert.ok(prefix, 'the admin page names this gateway\'s $sys prefix');
  assert.ok(html.includes(`${prefix}.lag.p${PARTITIONS - 1}.entries`), 'the lag chart has a line per partition');

  const client = await TestClient.connect(`ws://127.0.0.1:${gatewayPort}/ws`);
  const entries = (): number[] => client.of(`${prefix}.lag.entries`).map((m) => m.value!);
  const oldest = (): number[] => client.of(`${prefix}.lag.oldest_ms`).map((m) => m.value!);
  const perPartition = (p: number): number[] => client.of(`${prefix}.lag.p${p}.entries`).map((m) => m.value!);
  client.send({ op: 'sub', ref: 1, topics: [`lag.entries`, `lag.oldest_ms`, 'lag.p0.entries', 'lag.p1.entries'].map((t) => ({ topic: `${prefix}.${t}`, snapshot: 0 })) });

  const first = await startProcessor();
  await post(20, 0);
  // Processed: the backlog the gateway measures comes back to 0.
  await client.until(() => entries().length > 2 && entries().at(-1) === 0, 15_000, 'lag 0 with a processor running');

  await first.kill('SIGKILL');
  await post(50, 20);
  await client.until(() => (entries().at(-1) ?? 0) >= 50, 10_000, 'the unprocessed entries published');
  const ageThen = oldest().at(-1)!;
  const seenThen = oldest().length;
  assert.ok(perPartition(0).at(-1)! + perPartition(1).at(-1)! >= 50, 'the partitions add up to the total');
  // Still nothing processes them: the oldest entry only gets older, second after second.
  await client.until(() => oldest().length >= seenThen + 2, 10_000, 'two more measures');
  assert.ok(oldest().at(-1)! >= ageThen + 1000, `oldest unprocessed entry aged from ${ageThen} ms to ${oldest().at(-1)} ms`);
  assert.ok(entries().at(-1)! >= 50, 'nothing was dropped from the backlog');

  await post(10, 70);
  await client.until(() => (entries().at(-1) ?? 0) >= 60, 10_000, 'the backlog grew with new events');

  await startProcessor();
  await client.until(() => entries().at(-1) === 0 && oldest().at(-1) === 0, 20_000, 'a new processor drained the lag to 0');
  client.close();
});
