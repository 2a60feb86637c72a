/**
 * Pacing and slow consumers, over real WebSockets against both bus engines:
 * catch-up paced by the socket, `latest` conflation, `all` resumed from
 * history, `maxRate`, and 4008 only for a client that reads nothing.
 * A paused client is a raw ws client whose TCP socket is paused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { Config } from '../../bin/config.js';
import { compareIds, type Message } from '../../protocol/index.js';
import { pausableClient, type PausableClient } from '../support/pausable-client.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/ws-client.js';

let redis: TestRedis;
let prefix = 0;

const engines: { name: string; config: () => Partial<Config> }[] = [
  { name: 'memory bus', config: () => ({}) },
  { name: 'redis bus', config: () => ({ redisUrl: redis.url, keyPrefix: `sc${++prefix}` }) },
];

before(async () => {
  redis = await startRedis();
});
after(async () => redis.stop());

function assertIncreasing(messages: Message[], what: string): void {
  for (let i = 1; i < messages.length; i++) assert.ok(compareIds(messages[i - 1].id, messages[i].id) < 0, `${what}: ids increase`);
}

for (const engine of engines) {
  describe(`slow consumers on the ${engine.name}`, () => {
    const apps: RunningApp[] = [];
    const clients: PausableClient[] = [];
    const start = async (config: Partial<Config> = {}) => {
      const app = await startApp({ port: 0, host: '127.0.0.1', ...engine.config(), ...config });
      apps.push(app);
      const health = async () => (await (await fetch(`http://127.0.0.1:${app.port}/healthz`)).json()).gateway;
      return { app, url: `ws://127.0.0.1:${app.port}/ws`, health };
    };
    const client = async (url: string) => {
      const c = await pausableClient(url);
      clients.push(c);
      return c;
    };
    const publishBatches = async (app: RunningApp, topic: string, count: number, body: (i: number) => { ts: number; value?: number; data?: Record<string, unknown> }, batch = 100) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i += batch) {
        const n = Math.min(batch, count - i);
        ids.push(...((await app.bus.broker.publish(Array.from({ length: n }, (_, j) => ({ topic, body: body(i + j) as never })))) as string[]));
        // Let the gateway flush between batches, as a live stream would.
        await new Promise((r) => setTimeout(r, 1));
      }
      return ids;
    };
    /** Publishes a seed message on each topic; subscribing `since` it gets everything after, however long the bus subscription takes. */
    const seeds = async (app: RunningApp, topics: string[]): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      for (const topic of topics) out[topic] = ((await app.bus.broker.publish([{ topic, body: { ts: 0, value: 0 } }])) as string[])[0];
      return out;
    };
    after(async () => {
      for (const c of clients) c.ws.terminate();
      await Promise.all(apps.map((a) => a.close()));
    });

    test('a catch-up of 500 messages of 60 KB reaches a reading client whole, past an 8 MiB bound', async () => {
      const { app, url, health } = await start();
      const pad = 'x'.repeat(60 * 1024);
      const ids = await publishBatches(app, 'big', 500, (i) => ({ ts: i, data: { i, pad } }), 50);
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'big', since: '0-0' }] });
      await eventually(() => c.of('big').length === 500, 60_000, 'the whole history');
      assert.deepEqual(c.of('big').map((m) => m.id), ids);
      assert.equal((await health()).slowConsumerCloses, 0);
    });

    test('a snapshot of 5000 messages of 2 KB reaches a reading client whole', async () => {
      const { app, url } = await start();
      const pad = 'y'.repeat(2 * 1024);
      const ids = await publishBatches(app, 'snap', 5000, (i) => ({ ts: i, data: { i, pad } }), 500);
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'snap', snapshot: 5000 }] });
      await eventually(() => c.of('snap').length === 5000, 60_000, 'the whole snapshot');
      assert.deepEqual(c.of('snap').map((m) => m.id), ids);
    });

    test('a latest subscriber that stalls, then reads, gets the newest value with ids that only increase', async () => {
      const { app, url } = await start({ maxBufferedBytes: 256 * 1024 });
      const c = await client(url);
      const seed = await seeds(app, ['fill', 'm']);
      c.send({ op: 'sub', topics: [{ topic: 'fill', since: seed.fill, mode: 'latest' }, { topic: 'm', since: seed.m, mode: 'latest' }] });
      await eventually(() => c.frames.some((f) => f.op === 'subscribed'));
      await new Promise((r) => setTimeout(r, 50));
      c.pause();
      // More than the kernel's socket buffers hold, so the gateway backs up.
      const pad = 'z'.repeat(60 * 1024);
      for (let round = 0; round < 10; round++) {
        await publishBatches(app, 'fill', 30, (i) => ({ ts: i, data: { i, pad } }), 10);
        await publishBatches(app, 'm', 100, (i) => ({ ts: i, value: round * 100 + i + 1 }), 20);
      }
      c.resume();
      await eventually(() => c.of('m').at(-1)?.value === 1000, 20_000, 'the final value');
      assertIncreasing(c.of('m'), 'm');
      assertIncreasing(c.of('fill'), 'fill');
      assert.ok(c.of('m').length < 1000, `conflated: ${c.of('m').length} of 1000 values sent`);
    });

    test('an all subscriber past the bound resumes from history with nothing lost, in order, once each', async () => {
      const { app, url, health } = await start({ maxBufferedBytes: 512 * 1024 });
      const c = await client(url);
      const seed = await seeds(app, ['ev']);
      c.send({ op: 'sub', topics: [{ topic: 'ev', since: seed.ev, mode: 'all' }] });
      await eventually(() => c.frames.some((f) => f.op === 'subscribed'));
      await eventually(async () => (await health()).subscriptions === 1);
      c.pause();
      const pad = 'e'.repeat(10 * 1024);
      const ids = await publishBatches(app, 'ev', 2000, (i) => ({ ts: i, data: { i, pad } }), 20);
      assert.ok((await health()).historyResumes > 0, 'the bound was passed');
      c.resume();
      await eventually(() => c.of('ev').length >= 2000, 30_000, 'every event');
      assert.deepEqual(c.of('ev').map((m) => m.id), ids, 'every event, in order, once each');
      assert.equal(c.frames.filter((f) => f.op === 'gap').length, 0, 'nothing was lost, so no gap');
      // And live again afterwards.
      const more = await publishBatches(app, 'ev', 3, (i) => ({ ts: i, data: { i } }));
      await eventually(() => c.of('ev').length === 2003);
      assert.deepEqual(c.of('ev').slice(-3).map((m) => m.id), more);
    });

    test('maxRate: at most one message per interval, and the final value always arrives', async () => {
      const { app, url } = await start();
      const c = await client(url);
      const seed = await seeds(app, ['r']);
      c.send({ op: 'sub', topics: [{ topic: 'r', since: seed.r, maxRate: 4 }] });
      await eventually(() => c.frames.some((f) => f.op === 'subscribed'));
      await new Promise((r) => setTimeout(r, 50));
      const arrivals: number[] = [];
      c.ws.on('message', () => arrivals.push(Date.now()));
      const started = Date.now();
      for (let i = 1; i <= 100; i++) {
        await app.bus.broker.publish([{ topic: 'r', body: { ts: i, value: i } }]);
        await new Promise((r) => setTimeout(r, 10));
      }
      const elapsed = Date.now() - started;
      await eventually(() => c.of('r').at(-1)?.value === 100, 2000, 'the final value');
      const got = c.of('r');
      assertIncreasing(got, 'r');
      // One at the start, then at most one per 250 ms interval, plus the final one.
      assert.ok(got.length <= Math.ceil(elapsed / 250) + 2, `${got.length} messages in ${elapsed} ms at maxRate 4`);
      assert.ok(got.length >= 2);
      for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i] - arrivals[i - 1] >= 200, `spacing ${arrivals[i] - arrivals[i - 1]} ms`);
    });

    test('a client that reads nothing is closed with 4008 within the deadline; a slow reader is not', async () => {
      const { app, url, health } = await start({ stallTimeoutMs: 800, heartbeatMs: 200, maxBufferedBytes: 256 * 1024 });
      const stalled = await client(url);
      const slow = await client(url);
      const seed = await seeds(app, ['v', 'load']);
      for (const c of [stalled, slow]) c.send({ op: 'sub', topics: [{ topic: 'v', since: seed.v }, { topic: 'load', since: seed.load, mode: 'latest' }] });
      await eventually(async () => (await health()).subscriptions === 4);
      stalled.pause();
      const stop = slow.throttle(5, 100);
      const pad = 'p'.repeat(60 * 1024);
      const started = Date.now();
      let closedAt = 0;
      void stalled.closed.then(() => (closedAt = Date.now()));
      let i = 0;
      while (Date.now() - started < 3000) {
        await app.bus.broker.publish([{ topic: 'load', body: { ts: i, data: { i, pad } } }, { topic: 'v', body: { ts: i, value: ++i } }]);
        await new Promise((r) => setTimeout(r, 5));
      }
      const h = await health();
      assert.equal(h.slowConsumerCloses, 1, 'exactly one connection closed as a slow consumer');
      assert.equal(h.connections, 1);
      stop();
      stalled.resume();
      const closed = await stalled.closed;
      assert.equal(closed.code, 4008);
      assert.match(closed.reason, /slow consumer/);
      assert.ok(closedAt > 0);
      await eventually(() => slow.of('v').at(-1)?.value === i, 10_000, 'the slow reader to get the final value');
      assertIncreasing(slow.of('v'), 'slow reader');
      assert.equal(slow.ws.readyState, slow.ws.OPEN, 'the slow reader stays connected');
    });

    test('while a tenth of the clients are slow, the others get every message and gateway memory stays bounded', async () => {
      const { app, url, health } = await start({ maxBufferedBytes: 1024 * 1024 });
      const fast = await Promise.all(Array.from({ length: 18 }, () => client(url)));
      const slow = await Promise.all(Array.from({ length: 2 }, () => client(url)));
      const seed = await seeds(app, ['ev2', 'val']);
      for (const c of [...fast, ...slow]) c.send({ op: 'sub', topics: [{ topic: 'ev2', since: seed.ev2, mode: 'all' }, { topic: 'val', since: seed.val, mode: 'latest' }] });
      await eventually(async () => (await health()).subscriptions === 40);
      const stops = slow.map((c) => c.throttle(2, 100));
      let peak = 0;
      const pad = 'q'.repeat(4 * 1024);
      const events: string[] = [];
      let last = 0;
      for (let i = 0; i < 1500; i++) {
        events.push(...((await app.bus.broker.publish([{ topic: 'ev2', body: { ts: i, data: { i, pad } } }, { topic: 'val', body: { ts: i, value: (last = i + 1) } }])) as string[]).slice(0, 1));
        if (i % 25 === 0) peak = Math.max(peak, (await health()).bufferedBytes);
      }
      // Every event; values up to the last (a fast client that backs up for a moment on a busy machine is conflated too).
      for (const c of fast) await eventually(() => c.of('ev2').length === 1500 && c.of('val').at(-1)?.value === last, 30_000, 'a fast client to get everything');
      for (const c of fast) assert.deepEqual(c.of('ev2').map((m) => m.id), events);
      for (const c of fast) assertIncreasing(c.of('val'), 'a fast client');
      // Each connection: its bound (1 MiB), plus what went past the high-water mark in one write and one catch-up page.
      assert.ok(peak <= 20 * (1024 * 1024 + 512 * 1024), `gateway held ${Math.round(peak / 1024)} KiB for 20 clients`);
      for (const stop of stops) stop();
      for (const c of slow) await eventually(() => c.of('val').at(-1)?.value === last && c.of('ev2').length === 1500, 30_000, 'a slow client to catch up');
      for (const c of slow) assert.deepEqual(c.of('ev2').map((m) => m.id), events);
      assert.equal((await health()).slowConsumerCloses, 0);
    });
  });
}
