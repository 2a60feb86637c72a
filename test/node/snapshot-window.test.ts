/**
 * `snapshotMs` selects by the message's event time (`ts`), not by when the
 * message was stored: against the memory bus and a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { Config } from '../../bin/config.js';
import { bodyTs } from '../../gateway/snapshot-window.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { TestClient } from '../support/ws-client.js';

let redis: TestRedis;
let prefix = 0;

const engines: { name: string; config: () => Partial<Config> }[] = [
  { name: 'memory bus', config: () => ({}) },
  { name: 'redis bus', config: () => ({ redisUrl: redis.url, keyPrefix: `snap${++prefix}` }) },
];

before(async () => {
  redis = await startRedis();
});
after(async () => redis.stop());

const MINUTE = 60_000;

for (const engine of engines) {
  describe(`time-window snapshot on the ${engine.name}`, () => {
    let app: RunningApp;
    let url: string;
    const clients: TestClient[] = [];
    const publish = async (topic: string, ts: number[]): Promise<string[]> =>
      (await app.bus.broker.publish(ts.map((t, i) => ({ topic, body: { ts: t, value: i } })))) as string[];
    const subscribe = async (topic: string, wants: { snapshotMs: number; snapshot?: number }, expect: number): Promise<TestClient> => {
      const c = await TestClient.connect(url);
      clients.push(c);
      c.send({ op: 'sub', ref: 1, topics: [{ topic, ...wants }] });
      await c.until(() => c.frameOf('subscribed').length === 1 && c.of(topic).length >= expect);
      // Anything wrongly selected would be queued with what was expected; give it a moment to show.
      await new Promise((r) => setTimeout(r, 50));
      return c;
    };

    before(async () => {
      app = await startApp({ port: 0, host: '127.0.0.1', ...engine.config() });
      url = `ws://127.0.0.1:${app.port}/ws`;
    });
    after(async () => {
      for (const c of clients) c.close();
      await app.close();
    });

    test('messages stored just now with an old ts are left out of the window', async () => {
      const now = Date.now();
      // Backfilled history: stored now, event times 10 and 6 minutes ago.
      await publish('backfill', [now - 10 * MINUTE, now - 6 * MINUTE]);
      const recent = await publish('backfill', [now - 2 * MINUTE, now - 1000]);
      const c = await subscribe('backfill', { snapshotMs: 5 * MINUTE }, 2);
      assert.deepEqual(c.of('backfill').map((m) => m.id), recent);
    });

    test('a topic whose producer stopped before the window sends nothing for it', async () => {
      await publish('stopped', [Date.now() - 9 * MINUTE, Date.now() - 8 * MINUTE]);
      const c = await subscribe('stopped', { snapshotMs: 5 * MINUTE }, 0);
      assert.equal(c.of('stopped').length, 0);
      // The value-topic default (no window) still shows the latest message.
      const plain = await TestClient.connect(url);
      clients.push(plain);
      plain.send({ op: 'sub', topics: [{ topic: 'stopped' }] });
      await plain.until(() => plain.of('stopped').length === 1);
    });

    test('the newest snapshot of the window are sent, in history order, even when old-ts entries crowd them', async () => {
      const now = Date.now();
      const inWindow = await publish('crowd', [now - 30_000, now - 20_000, now - 10_000]);
      // Twenty backfilled entries stored after them would fill a scan of the newest 3 by id.
      await publish('crowd', Array.from({ length: 20 }, (_, i) => now - 60 * MINUTE + i));
      const c = await subscribe('crowd', { snapshotMs: MINUTE, snapshot: 2 }, 2);
      assert.deepEqual(c.of('crowd').map((m) => m.id), inWindow.slice(-2));
    });

    test('live messages after the snapshot still flow, whatever their ts', async () => {
      const c = await subscribe('live', { snapshotMs: MINUTE }, 0);
      const [old] = await publish('live', [Date.now() - 60 * MINUTE]);
      await c.until(() => c.of('live').length === 1);
      assert.equal(c.of('live')[0].id, old);
    });
  });
}

describe('bodyTs', () => {
  test('reads the leading ts the processor writes, and falls back to parsing', () => {
    assert.equal(bodyTs('{"ts":1700000000123,"value":1}'), 1700000000123);
    assert.equal(bodyTs('{"ts":1.5e12}'), 1.5e12);
    assert.equal(bodyTs('{"value":1,"ts":42}'), 42);
    assert.ok(Number.isNaN(bodyTs('{"value":1}')));
    assert.ok(Number.isNaN(bodyTs('not json')));
  });
});
