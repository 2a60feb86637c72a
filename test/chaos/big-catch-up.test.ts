/**
 * Chaos scenario 8: a catch-up of 500 messages of 60 KB and a `snapshot:
 * 5000` of 2 KB messages both arrive whole from a real `rt gateway` process
 * on a real Redis, with the default 8 MiB slow-consumer bound; the gateway's
 * RSS is reported.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RedisBus } from '../../bus/index.js';
import { freePort } from '../support/free-port.js';
import { pausableClient } from '../support/pausable-client.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually } from '../support/ws-client.js';

let redis: TestRedis;
let gateway: RtProcess;
let bus: RedisBus;
let port: number;

/** Resident set of a process, in bytes (Linux). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

before(async () => {
  redis = await startRedis();
  port = await freePort();
  gateway = await startRt('gateway', ['--port', String(port)], { REDIS_URL: redis.url, RT_KEY_PREFIX: 'chaos8' });
  bus = new RedisBus({ url: redis.url, keyPrefix: 'chaos8' });
  await bus.connect();
});
after(async () => {
  await bus.close();
  await gateway.kill('SIGKILL');
  await redis.stop();
});

test('scenario 8: 500 × 60 KB since 0-0 and snapshot 5000 × 2 KB arrive whole', async () => {
  const big = 'b'.repeat(60 * 1024);
  const small = 's'.repeat(2 * 1024);
  const bigIds: string[] = [];
  const snapIds: string[] = [];
  for (let i = 0; i < 500; i += 50) bigIds.push(...((await bus.broker.publish(Array.from({ length: 50 }, (_, j) => ({ topic: 'chaos.big', body: { ts: i + j, data: { i: i + j, big } } })))) as string[]));
  for (let i = 0; i < 5000; i += 500) snapIds.push(...((await bus.broker.publish(Array.from({ length: 500 }, (_, j) => ({ topic: 'chaos.snap', body: { ts: i + j, data: { i: i + j, small } } })))) as string[]));
  const started = Date.now();
  const c = await pausableClient(`ws://127.0.0.1:${port}/ws`);
  let peak = rss(gateway.child.pid!);
  const sampler = setInterval(() => (peak = Math.max(peak, rss(gateway.child.pid!))), 100);
  try {
    c.send({ op: 'sub', topics: [{ topic: 'chaos.big', since: '0-0' }, { topic: 'chaos.snap', snapshot: 5000 }] });
    await eventually(() => c.of('chaos.big').length === 500 && c.of('chaos.snap').length === 5000, 120_000, 'both catch-ups');
    assert.deepEqual(c.of('chaos.big').map((m) => m.id), bigIds);
    assert.deepEqual(c.of('chaos.snap').map((m) => m.id), snapIds);
    assert.equal(c.ws.readyState, c.ws.OPEN);
    const figures = { scenario: 8, sent: 5500, received: c.messages.length, lost: 0, duplicated: c.messages.length - 5500, seconds: (Date.now() - started) / 1000, peakRssMiB: Math.round(peak / 1048576) };
    console.log(JSON.stringify(figures));
    assert.ok(peak < 512 * 1024 * 1024, `gateway RSS ${figures.peakRssMiB} MiB`);
  } finally {
    clearInterval(sampler);
    c.ws.terminate();
  }
});
