/**
 * The gateway's promises, over real WebSockets, against both bus engines:
 * snapshots, replay since an id with no gap or duplicate at the seam, gap
 * markers, one bus subscription per topic, clear errors for bad frames.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { Config } from '../../bin/config.js';
import { compareIds } from '../../protocol/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually, TestClient } from '../support/ws-client.js';

let redis: TestRedis;
let prefix = 0;

const engines: { name: string; config: () => Partial<Config> }[] = [
  { name: 'memory bus', config: () => ({}) },
  { name: 'redis bus', config: () => ({ redisUrl: redis.url, keyPrefix: `gw${++prefix}` }) },
];

before(async () => {
  redis = await startRedis();
});
after(async () => redis.stop());

for (const engine of engines) {
  describe(`gateway on the ${engine.name}`, () => {
    const apps: RunningApp[] = [];
    const clients: TestClient[] = [];
    const start = async (config: Partial<Config> = {}): Promise<{ app: RunningApp; url: string; health: () => Promise<any> }> => {
      const app = await startApp({ port: 0, host: '127.0.0.1', ...engine.config(), ...config });
      apps.push(app);
      const base = `http://127.0.0.1:${app.port}`;
      return { app, url: `ws://127.0.0.1:${app.port}/ws`, health: async () => (await fetch(`${base}/healthz`)).json() };
    };
    const client = async (url: string): Promise<TestClient> => {
      const c = await TestClient.connect(url);
      clients.push(c);
      return c;
    };
    const publish = async (app: RunningApp, topic: string, values: number[], data = false): Promise<string[]> =>
      (await app.bus.broker.publish(values.map((v) => ({ topic, body: data ? { ts: v, data: { n: v } } : { ts: v, value: v } })))) as string[];

    after(async () => {
      for (const c of clients) c.close();
      await Promise.all(apps.map((a) => a.close()));
    });

    test('a value topic snapshot is its latest message; an event topic snapshot is its recent messages', async () => {
      const { app, url } = await start();
      await publish(app, 'm', [1, 2, 3]);
      await publish(app, 'e', [1, 2, 3], true);
      const c = await client(url);
      c.send({ op: 'sub', ref: 1, topics: [{ topic: 'm' }, { topic: 'e' }, { topic: 'n', snapshot: 2 }] });
      await c.until(() => c.of('m').length === 1 && c.of('e').length === 3);
      assert.equal(c.of('m')[0].value, 3);
      assert.deepEqual(c.of('e').map((m) => m.data?.n), [1, 2, 3]);
      const subscribed = c.frameOf('subscribed')[0];
      assert.deepEqual({ ...subscribed, epochs: undefined }, { op: 'subscribed', topics: ['m', 'e', 'n'], ref: 1, epochs: undefined });
      assert.equal(subscribed.epochs?.length, 3);
      assert.ok(subscribed.epochs!.every((e) => /^[A-Za-z0-9_-]{8}$/.test(e)), 'every topic has its epoch');
      await publish(app, 'n', [7]);
      await c.until(() => c.of('n').length === 1);
      assert.equal(c.of('n')[0].value, 7);
    });

    test('a client that subscribes with since receives each missed message once, then live data', async () => {
      const { app, url } = await start();
      const ids = await publish(app, 's', [0, 1, 2, 3, 4, 5]);
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 's', since: ids[2] }] });
      await c.until(() => c.of('s').length === 3);
      assert.deepEqual(c.of('s').map((m) => m.id), ids.slice(3));
      const live = await publish(app, 's', [6]);
      await c.until(() => c.of('s').length === 4);
      assert.equal(c.of('s')[3].id, live[0]);
      assert.equal(c.frameOf('gap').length, 0);
    });

    test('a since from a lost history (another epoch) gets a reset and a fresh snapshot, never a replay', async () => {
      const { app, url } = await start();
      const ids = await publish(app, 'ep', [1, 2, 3]);
      const c = await client(url);
      c.send({ op: 'sub', ref: 1, topics: [{ topic: 'ep', snapshot: 0 }] });
      await c.until(() => c.frameOf('subscribed').length === 1);
      const epoch = c.frameOf('subscribed')[0].epochs![0];
      c.send({ op: 'sub', ref: 2, topics: [{ topic: 'ep', since: ids[0], epoch: 'lost0000', snapshot: 2 }] });
      await c.until(() => c.of('ep').length === 2, 5000, 'the fresh snapshot');
      assert.deepEqual(c.frameOf('reset'), [{ op: 'reset', topic: 'ep', epoch, since: ids[0] }]);
      const resetAt = c.frames.findIndex((f) => f.op === 'reset');
      const firstMsgs = c.frames.findIndex((f) => f.op === 'msgs');
      assert.ok(resetAt < firstMsgs, 'the reset comes before the snapshot');
      assert.deepEqual(c.of('ep').map((m) => m.id), ids.slice(1), 'the snapshot asked for, not a replay since the stale id');
      // With the current epoch the same since is an ordinary replay.
      c.send({ op: 'sub', ref: 3, topics: [{ topic: 'ep', since: ids[0], epoch }] });
      await c.until(() => c.of('ep').length === 4);
      assert.deepEqual(c.of('ep').slice(2).map((m) => m.id), ids.slice(1));
      assert.equal(c.frameOf('reset').length, 1);
    });

    test('a since newer than anything the history ever held gets a reset (a failover to a stale replica)', async () => {
      const { app, url } = await start();
      const ids = await publish(app, 'top', [1, 2]);
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'top', since: '99999999999999-0' }] });
      await c.until(() => c.frameOf('reset').length === 1 && c.of('top').length === 1);
      assert.equal(c.frameOf('reset')[0].since, '99999999999999-0');
      assert.equal(c.of('top')[0].id, ids[1], 'a value topic starts over from its latest message');
    });

    test('a gateway of another process holds the same epoch only on a shared Redis', async () => {
      const first = await start();
      const ids = await publish(first.app, 'shared', [1, 2, 3]);
      const a = await client(first.url);
      a.send({ op: 'sub', topics: [{ topic: 'shared', snapshot: 0 }] });
      await a.until(() => a.frameOf('subscribed').length === 1);
      const epoch = a.frameOf('subscribed')[0].epochs![0];
      const second = await start(engine.name === 'redis bus' ? { keyPrefix: `gw${prefix}` } : {});
      if (engine.name === 'memory bus') await publish(second.app, 'shared', [1, 2, 3, 4]);
      const b = await client(second.url);
      b.send({ op: 'sub', topics: [{ topic: 'shared', since: ids[0], epoch }] });
      await b.until(() => b.of('shared').length >= 1 && b.frameOf('subscribed').length === 1);
      await new Promise((r) => setTimeout(r, 50));
      if (engine.name === 'redis bus') {
        assert.equal(b.frameOf('reset').length, 0, 'one history in Redis, one epoch');
        assert.deepEqual(b.of('shared').map((m) => m.id), ids.slice(1));
      } else {
        assert.equal(b.frameOf('reset').length, 1, "a new process's memory history is another history");
        assert.notEqual(b.frameOf('reset')[0].epoch, epoch);
      }
    });

    test('messages published while a replay is running arrive exactly once and in order', async () => {
      const { app, url } = await start();
      const first = await publish(app, 'seam', [0]);
      let publishing = true;
      let next = 1;
      const publisher = (async () => {
        while (publishing) {
          await publish(app, 'seam', [next++, next++]);
          await new Promise((r) => setImmediate(r));
        }
      })();
      await new Promise((r) => setTimeout(r, 30));
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'seam', since: first[0] }] });
      await new Promise((r) => setTimeout(r, 150));
      publishing = false;
      await publisher;
      const total = (await app.bus.broker.history('seam', first[0], 100_000)).entries;
      await c.until(() => c.of('seam').length >= total.length, 5000, 'all messages');
      const got = c.of('seam').map((m) => m.id);
      assert.deepEqual(got, total.map((e) => e.id), 'exactly the history after since, in order, once each');
      for (let i = 1; i < got.length; i++) assert.ok(compareIds(got[i - 1], got[i]) < 0);
    });

    test('a client whose since was trimmed away gets a gap marker, then what is left', async () => {
      const { app, url } = await start({ historyMaxLen: 10 });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(...(await publish(app, 'g', Array.from({ length: 10 }, (_, j) => i * 10 + j))));
      // On Redis the hard cap is applied by the trimmer, shortly after publishing.
      await eventually(async () => (await app.bus.broker.history('g', ids[0], 1)).gap, 5000, 'g trimmed to its cap');
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'g', since: ids[0] }] });
      await c.until(() => c.frameOf('gap').length === 1 && c.of('g').length > 0);
      const gap = c.frameOf('gap')[0];
      assert.equal(gap.topic, 'g');
      assert.equal(gap.since, ids[0]);
      const retained = (await app.bus.broker.history('g', '0-0', 100_000)).entries.map((e) => e.id);
      await c.until(() => c.of('g').length === retained.length);
      assert.equal(gap.next, retained[0]);
      assert.deepEqual(c.of('g').map((m) => m.id), retained);
      const gapIndex = c.frames.indexOf(gap);
      const firstMsgs = c.frames.findIndex((f) => f.op === 'msgs');
      assert.ok(gapIndex < firstMsgs, 'the gap marker comes before the messages after it');
    });

    test('a client too far behind skips ahead with a gap marker; one just within reach gets everything without one', async () => {
      const { app, url } = await start({ maxReplay: 500 });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(...(await publish(app, 'far', Array.from({ length: 400 }, (_, j) => i * 400 + j))));
      const far = await client(url);
      far.send({ op: 'sub', topics: [{ topic: 'far', since: ids[0] }] });
      await far.until(() => far.frameOf('gap').length === 1);
      await far.until(() => far.of('far').at(-1)?.id === ids.at(-1));
      const gap = far.frameOf('gap')[0];
      const got = far.of('far').map((m) => m.id);
      assert.equal(new Set(got).size, got.length, 'no duplicates');
      assert.equal(gap.next, got[got.indexOf(gap.next!)], 'delivery resumes at the gap marker');
      assert.ok(got.indexOf(gap.next!) > 0, 'the replayed part comes before the jump');

      const near = await client(url);
      near.send({ op: 'sub', topics: [{ topic: 'far', since: ids[ids.length - 801] }] });
      await near.until(() => near.of('far').length === 800);
      assert.deepEqual(near.of('far').map((m) => m.id), ids.slice(-800));
      assert.equal(near.frameOf('gap').length, 0, 'nothing was skipped, so no gap');
    });

    test('many sessions on one topic share one bus subscription, released when the last leaves', async () => {
      const { app, url, health } = await start();
      const cs = await Promise.all(Array.from({ length: 5 }, () => client(url)));
      for (const c of cs) c.send({ op: 'sub', topics: [{ topic: 'shared' }] });
      await Promise.all(cs.map((c) => c.until(() => c.frameOf('subscribed').length === 1)));
      await eventually(async () => (await health()).gateway.topics === 1);
      await publish(app, 'shared', [42]);
      await Promise.all(cs.map((c) => c.until(() => c.of('shared').length === 1)));
      cs[0].send({ op: 'unsub', topics: ['shared'] });
      await cs[0].until(() => cs[0].frameOf('unsubscribed').length === 1);
      const stats = (await health()).gateway;
      assert.equal(stats.topics, 1);
      assert.equal(stats.subscriptions, 4, 'subscription count on /healthz');
      assert.equal(stats.messagesPerFrame, 1, 'one message, one frame per recipient');
      for (const c of cs.slice(1)) c.close();
      await eventually(async () => (await health()).gateway.topics === 0, 5000, 'subscription released');
      await publish(app, 'shared', [43]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(cs[0].of('shared').length, 1, 'no delivery after unsub');
    });

    test('a malformed frame gets a specific error frame and the connection stays usable', async () => {
      const { app, url, health } = await start();
      const c = await client(url);
      c.send('{not json');
      c.send({ op: 'launch' });
      c.send({ op: 'sub', ref: 3, topics: [{ topic: 'bad topic' }] });
      c.send({ op: 'sub', ref: 4, topics: [{ topic: 'ok', since: 'yesterday' }] });
      c.send({ op: 'sub', ref: 5, topics: 'ok' });
      c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      await c.until(() => c.frameOf('error').length === 6);
      assert.deepEqual(
        c.frameOf('error').map((e) => e.code),
        ['bad_json', 'unknown_op', 'bad_topic', 'bad_since', 'bad_field', 'bad_frame'],
      );
      assert.equal(c.frameOf('error')[2].ref, 3);
      assert.equal((await health()).gateway.topics, 0, 'a refused frame subscribes nothing');
      c.send({ op: 'sub', topics: [{ topic: 'ok' }] });
      await publish(app, 'ok', [1]);
      await c.until(() => c.of('ok').length === 1);
      c.send({ op: 'ping', ref: 9 });
      await c.until(() => c.frameOf('pong').some((p) => p.ref === 9));
    });

    test('a frame over the size limit closes the socket with 1009; others are unaffected', async () => {
      const { app, url } = await start();
      const bystander = await client(url);
      bystander.send({ op: 'sub', topics: [{ topic: 'calm' }] });
      const c = await client(url);
      c.send('x'.repeat(64 * 1024));
      assert.equal((await c.closed).code, 1009);
      await publish(app, 'calm', [1]);
      await bystander.until(() => bystander.of('calm').length === 1);
    });

    test('a connection may not hold more topics than the limit', async () => {
      const { url } = await start({ maxSubscriptions: 3 });
      const c = await client(url);
      c.send({ op: 'sub', topics: [{ topic: 'a' }, { topic: 'b' }] });
      c.send({ op: 'sub', ref: 2, topics: [{ topic: 'c' }, { topic: 'd' }] });
      await c.until(() => c.frameOf('error').length === 1);
      assert.equal(c.frameOf('error')[0].code, 'too_many_subscriptions');
      c.send({ op: 'sub', topics: [{ topic: 'c' }] });
      await c.until(() => c.frameOf('subscribed').length === 2);
    });

    test('only allowlisted origins may open a socket; clients without an Origin are accepted', async () => {
      const { url } = await start({ allowedOrigins: ['https://dash.example.com'] });
      await assert.rejects(TestClient.connect(url, { Origin: 'https://evil.example' }), /403/);
      clients.push(await TestClient.connect(url, { Origin: 'https://dash.example.com' }));
      clients.push(await TestClient.connect(url));
    });

    test('a reading client sent more than the buffer bound in one tick gets every message, in order, and stays open', async () => {
      const { app, url, health } = await start({ maxBufferedBytes: 4096 });
      const calm = await client(url);
      calm.send({ op: 'sub', topics: [{ topic: 'calm' }] });
      const flooded = await client(url);
      // Resuming after a seed message: everything published after it arrives, however long the bus subscription takes.
      const [seed] = await app.bus.broker.publish([{ topic: 'flood', body: { ts: 0, data: { seed: true } } }]);
      flooded.send({ op: 'sub', topics: [{ topic: 'flood', since: seed }] });
      await flooded.until(() => flooded.frameOf('subscribed').length === 1);
      await calm.until(() => calm.frameOf('subscribed').length === 1);
      await eventually(async () => (await health()).gateway.subscriptions === 2);
      // One tick's worth of messages bigger than the bound.
      await app.bus.broker.publish(Array.from({ length: 50 }, (_, i) => ({ topic: 'flood', body: { ts: i, data: { i, pad: 'x'.repeat(200) } } })));
      await flooded.until(() => flooded.of('flood').length === 50);
      assert.deepEqual(flooded.of('flood').map((m) => (m.data as { i: number }).i), Array.from({ length: 50 }, (_, i) => i));
      assert.equal((await health()).gateway.slowConsumerCloses, 0);
      await publish(app, 'calm', [1]);
      await calm.until(() => calm.of('calm').length === 1);
    });

    test('a socket that stops answering pings is terminated', async () => {
      const { app, health } = await start({ heartbeatMs: 150 });
      // A raw TCP client completes the handshake, then reads but never answers a ping.
      const socket = tcpConnect(app.port!, '127.0.0.1');
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.on('error', () => {});
      socket.resume();
      await eventually(async () => (await health()).gateway.connections === 1, 3000, 'connection accepted');
      await closed;
      assert.equal((await health()).gateway.connections, 0);
    });
  });
}
