/**
 * Chaos: Redis is SIGKILLed under a running gateway and started again on the
 * same port. Without persistence every topic's history is gone: every client
 * that resumes gets an explicit `reset` for every topic (a new epoch), never
 * a silent gap, and then every number published afterwards exactly once and
 * in order. With AOF (`appendfsync always`) nothing acknowledged is lost: the
 * same clients resume without a `reset` and miss nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RedisBus } from '../../bus/index.js';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually, TestClient } from '../support/ws-client.js';

const TOPICS = ['lost.a', 'lost.b', 'lost.c'];
const CLIENTS = 20;
const BEFORE = 20;
const AFTER = 10;

/** What one client holds per topic: the last id and epoch, as a browser would keep them. */
interface Held {
  lastId: Map<string, string>;
  epoch: Map<string, string>;
}

function heldBy(client: TestClient, held: Held = { lastId: new Map(), epoch: new Map() }): Held {
  for (const frame of client.frames) {
    if (frame.op === 'subscribed') frame.topics.forEach((t, i) => frame.epochs?.[i] && held.epoch.set(t, frame.epochs[i]));
    if (frame.op === 'reset') held.epoch.set(frame.topic, frame.epoch);
  }
  for (const m of client.messages) held.lastId.set(m.topic, m.id);
  return held;
}

/** The numbers a client received on a topic, in order. */
const numbers = (client: TestClient, topic: string): number[] => client.of(topic).map((m) => Number(m.data?.n));

for (const mode of ['without persistence', 'with AOF (appendfsync always)'] as const) {
  const aof = mode !== 'without persistence';
  describe(`Redis killed and restarted ${mode}`, () => {
    let redis: TestRedis;
    let gateway: RtProcess;
    let bus: RedisBus;
    const clients: TestClient[] = [];
    after(async () => {
      for (const c of clients) c.close();
      await bus?.close();
      await gateway?.kill('SIGKILL');
      await redis?.stop();
    });

    test(aof ? 'clients resume without a reset and miss nothing acknowledged' : 'every client gets a reset for every topic, then every later number once and in order', async () => {
      redis = await startRedis({ aof });
      const port = await freePort();
      gateway = await startRt('gateway', [], { REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', RT_KEY_PREFIX: 'chaos' });
      bus = new RedisBus({ url: redis.url, keyPrefix: 'chaos' });
      await bus.connect();
      const publish = async (from: number, to: number): Promise<void> => {
        for (let n = from; n <= to; n++) {
          const ids = await bus.broker.publish(TOPICS.map((topic) => ({ topic, body: { ts: Date.now(), data: { n } } })));
          assert.ok(ids.every((id) => id !== null), 'every publish acknowledged');
        }
      };
      await publish(1, BEFORE);

      const url = `ws://127.0.0.1:${port}/ws`;
      for (let i = 0; i < CLIENTS; i++) {
        const c = await TestClient.connect(url);
        c.send({ op: 'sub', topics: TOPICS.map((topic) => ({ topic, snapshot: 1000 })) });
        clients.push(c);
      }
      for (const c of clients) await c.until(() => TOPICS.every((t) => c.of(t).length === BEFORE), 10_000, 'the first snapshot');
      const held = clients.map((c) => heldBy(c));
      const epochsBefore = new Map(held[0].epoch);

      await redis.kill();
      const closes = await Promise.all(clients.map((c) => c.closed));
      assert.ok(closes.every((close) => close.code === 1012), `every client is told to resume: ${JSON.stringify(closes.slice(0, 3))}`);
      redis = await startRedis({ port: redis.port, dir: redis.dir, aof });
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200, 15_000, 'the gateway healthy again');

      // Resume before anything new is published: the case where comparing ids cannot tell.
      const resumed: TestClient[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const c = await TestClient.connect(url);
        c.send({ op: 'sub', topics: TOPICS.map((topic) => ({ topic, since: held[i].lastId.get(topic), epoch: held[i].epoch.get(topic), snapshot: 1000 })) });
        resumed.push(c);
        clients.push(c);
      }
      for (const c of resumed) await c.until(() => c.frameOf('subscribed').length === 1, 10_000, 'subscribed');
      await eventually(() => bus.healthy(), 15_000, 'the publisher reconnected');
      await publish(BEFORE + 1, BEFORE + AFTER);
      const expected = Array.from({ length: AFTER }, (_, i) => BEFORE + 1 + i);
      for (const c of resumed) await c.until(() => TOPICS.every((t) => numbers(c, t).length >= AFTER), 10_000, 'the numbers published after the restart');
      await new Promise((r) => setTimeout(r, 200));

      for (const c of resumed) {
        assert.equal(c.frameOf('error').length, 0, JSON.stringify(c.frameOf('error')));
        assert.equal(c.frameOf('gap').length, 0, 'never a gap: a lost history is a reset');
        const resets = c.frameOf('reset');
        if (aof) {
          assert.equal(resets.length, 0, 'the history survived: no reset');
          assert.deepEqual(c.frameOf('subscribed')[0].epochs, TOPICS.map((t) => epochsBefore.get(t)));
        } else {
          assert.deepEqual(resets.map((r) => r.topic).sort(), [...TOPICS].sort(), 'a reset for every topic');
          for (const r of resets) assert.notEqual(r.epoch, epochsBefore.get(r.topic), 'a new epoch');
        }
        // Exactly the later numbers, once each and in order (the empty snapshot after a reset adds nothing).
        for (const t of TOPICS) assert.deepEqual(numbers(c, t), expected, t);
      }
    });
  });
}
