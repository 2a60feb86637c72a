/**
 * Chaos scenario 6: slow consumers. A real `rt gateway` process on a real
 * Redis streams a value topic and an event topic (8 KB events, about 100 per second) to 50 clients; in the second
 * phase 10 % of them read in a 1 ms window once a second for a bounded time
 * (10 s; 60 s with --long). (1 ms out of every 100 ms was not slow on a
 * quiet machine: the kernel's socket buffers held 100 ms of the stream and
 * one window drained them, so nothing had to be conflated.) Checked: the gateway's RSS stays under
 * 400 MiB, fast clients receive every event, slow clients are conflated
 * (`latest`) and never disconnected while they read, and once they read
 * again they reach the final value and every event. Fast clients' p99
 * latency (receive time − publish time) is reported next to a clean run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RedisBus } from '../../bus/index.js';
import { freePort } from '../support/free-port.js';
import { pausableClient, type PausableClient } from '../support/pausable-client.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually } from '../support/ws-client.js';

const LONG = process.argv.includes('--long') || process.env.RT_CHAOS_LONG === '1';
const PHASE_MS = LONG ? 60_000 : 10_000;
const CLIENTS = 50;
const SLOW = 5;
const RSS_BOUND = 400 * 1024 * 1024;

let redis: TestRedis;
let gateway: RtProcess;
let bus: RedisBus;
let port: number;

function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

before(async () => {
  redis = await startRedis();
  port = await freePort();
  gateway = await startRt('gateway', ['--port', String(port)], { REDIS_URL: redis.url, RT_KEY_PREFIX: 'chaos6', RT_MAX_BUFFERED_BYTES: String(1024 * 1024) });
  bus = new RedisBus({ url: redis.url, keyPrefix: 'chaos6' });
  await bus.connect();
});
after(async () => {
  await bus.close();
  await gateway.kill('SIGKILL');
  await redis.stop();
});

/** Streams both topics for `ms` at about 100 messages per second each; returns the event ids and the last value. */
async function stream(phase: string, ms: number): Promise<{ events: string[]; last: number }> {
  const events: string[] = [];
  const pad = 'p'.repeat(8 * 1024);
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < ms) {
    n++;
    const now = Date.now();
    const ids = (await bus.broker.publish([
      { topic: `${phase}.ev`, body: { ts: now, data: { n, pad } } },
      { topic: `${phase}.val`, body: { ts: now, value: n } },
    ])) as string[];
    events.push(ids[0]);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { events, last: n };
}

async function runPhase(phase: string, slowCount: number): Promise<{ p99Ms: number; peakRss: number; slowReceived: number; sent: number }> {
  const url = `ws://127.0.0.1:${port}/ws`;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => pausableClient(url)));
  const slow = clients.slice(0, slowCount);
  const fast = clients.slice(slowCount);
  const latencies = new Map<PausableClient, number[]>();
  for (const c of fast) {
    const lat: number[] = [];
    latencies.set(c, lat);
    c.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; msgs?: { ts: number; topic: string }[] };
      if (frame.op === 'msgs') for (const m of frame.msgs!) if (m.topic.endsWith('.val')) lat.push(Date.now() - m.ts);
    });
  }
  try {
    for (const c of clients) c.send({ op: 'sub', topics: [{ topic: `${phase}.ev`, snapshot: 0 }, { topic: `${phase}.val`, snapshot: 0 }] });
    await eventually(() => clients.every((c) => c.frames.some((f) => f.op === 'subscribed')), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const stops = slow.map((c) => c.throttle(1, 1000));
    let peak = rss(gateway.child.pid!);
    const sampler = setInterval(() => (peak = Math.max(peak, rss(gateway.child.pid!))), 200);
    const { events, last } = await stream(phase, PHASE_MS);
    clearInterval(sampler);
    for (const c of fast) await eventually(() => c.of(`${phase}.ev`).length === events.length && c.of(`${phase}.val`).at(-1)?.value === last, 30_000, 'a fast client to get everything');
    for (const c of fast) assert.deepEqual(c.of(`${phase}.ev`).map((m) => m.id), events, 'a fast client gets every event once, in order');
    for (const c of slow) assert.equal(c.ws.readyState, c.ws.OPEN, 'a slow client that reads is never disconnected');
    const slowReceived = slow.reduce((sum, c) => sum + c.of(`${phase}.val`).length, 0);
    for (const stop of stops) stop();
    for (const c of slow) await eventually(() => c.of(`${phase}.val`).at(-1)?.value === last && c.of(`${phase}.ev`).length === events.length, 60_000, 'a slow client to catch up');
    for (const c of slow) assert.deepEqual(c.of(`${phase}.ev`).map((m) => m.id), events, 'a slow client gets every event in the end');
    const all = fast.flatMap((c) => latencies.get(c)!);
    return { p99Ms: p99(all), peakRss: peak, slowReceived, sent: last };
  } finally {
    for (const c of clients) c.ws.terminate();
  }
}

test(`scenario 6: 10 % of clients read 1 ms a second for ${PHASE_MS / 1000} s; the others are served, memory stays bounded`, async () => {
  const clean = await runPhase('clean', 0);
  const slowed = await runPhase('slowed', SLOW);
  const figures = {
    scenario: 6,
    seconds: PHASE_MS / 1000,
    sentPerTopic: slowed.sent,
    fastP99Ms: slowed.p99Ms,
    cleanP99Ms: clean.p99Ms,
    p99Ratio: clean.p99Ms > 0 ? +(slowed.p99Ms / clean.p99Ms).toFixed(2) : null,
    slowValuesReceivedPerClient: Math.round(slowed.slowReceived / SLOW),
    peakRssMiB: Math.round(Math.max(clean.peakRss, slowed.peakRss) / 1048576),
  };
  console.log(JSON.stringify(figures));
  assert.ok(slowed.peakRss < RSS_BOUND, `gateway RSS ${figures.peakRssMiB} MiB under ${RSS_BOUND / 1048576} MiB`);
  assert.ok(slowed.slowReceived / SLOW < slowed.sent, 'slow clients were conflated');
});
