/**
 * Fan-out under generated traffic, over real WebSockets and both bus
 * engines: random subscribe / unsubscribe / publish sequences from several
 * connections at once. Every connection receives exactly the messages of its
 * topics, in order, whatever mix of shared frames (one batch, many sockets)
 * and per-connection frames (catch-up, several topics) carried them; a
 * connection that stops reading does not hold back the others.
 */
import assert from 'node:assert/strict';
import type { ClientRequestArgs } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { Config } from '../../bin/config.js';
import type { Message, ServerFrame } from '../../protocol/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually, TestClient } from '../support/ws-client.js';

let redis: TestRedis;
let prefix = 0;

const engines: { name: string; config: () => Partial<Config> }[] = [
  { name: 'memory bus', config: () => ({}) },
  { name: 'redis bus', config: () => ({ redisUrl: redis.url, keyPrefix: `fan${++prefix}` }) },
];

before(async () => {
  redis = await startRedis();
});
after(async () => redis.stop());

const CLIENTS = 4;
const TOPICS = 3;

type Command =
  | { kind: 'sub'; client: number; topic: number }
  | { kind: 'unsub'; client: number; topic: number }
  | { kind: 'publish'; topics: number[] };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('sub' as const), client: fc.nat(CLIENTS - 1), topic: fc.nat(TOPICS - 1) }),
  fc.record({ kind: fc.constant('unsub' as const), client: fc.nat(CLIENTS - 1), topic: fc.nat(TOPICS - 1) }),
  // Several messages in one publish land in one tick: multi-message batches, several topics at once.
  fc.record({ kind: fc.constant('publish' as const), topics: fc.array(fc.nat(TOPICS - 1), { minLength: 1, maxLength: 6 }) }),
);

for (const engine of engines) {
  describe(`fan-out on the ${engine.name}`, () => {
    let app: RunningApp;
    let url: string;
    let run = 0;

    before(async () => {
      app = await startApp({ port: 0, host: '127.0.0.1', ...engine.config() });
      url = `ws://127.0.0.1:${app.port}/ws`;
    });
    after(async () => app.close());

    test('every connection receives exactly the messages of its topics, in order, under random sub/unsub/publish', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 40 }), async (commands) => {
          run++;
          const topicNames = Array.from({ length: TOPICS }, (_, t) => `r${run}.t${t}`);
          const clients = await Promise.all(Array.from({ length: CLIENTS }, () => TestClient.connect(url)));
          try {
            const published: string[][] = topicNames.map(() => []);
            const subscribed = clients.map(() => new Set<number>());
            let ref = 0;
            for (const command of commands) {
              if (command.kind === 'publish') {
                const ids = (await app.bus.broker.publish(command.topics.map((t) => ({ topic: topicNames[t], body: { ts: Date.now(), data: { t } } })))) as string[];
                command.topics.forEach((t, i) => published[t].push(ids[i]));
                continue;
              }
              const c = clients[command.client];
              const topic = topicNames[command.topic];
              const mine = subscribed[command.client];
              const r = ++ref;
              if (command.kind === 'sub' && !mine.has(command.topic)) {
                // Resume after the last message received, as the widgets' connection manager does.
                const seen = c.of(topic);
                c.send({ op: 'sub', ref: r, topics: [{ topic, since: seen.length > 0 ? seen[seen.length - 1].id : '0-0' }] });
                await c.until(() => c.frames.some((f) => f.op === 'subscribed' && f.ref === r));
                mine.add(command.topic);
              } else if (command.kind === 'unsub' && mine.has(command.topic)) {
                c.send({ op: 'unsub', ref: r, topics: [topic] });
                await c.until(() => c.frames.some((f) => f.op === 'unsubscribed' && f.ref === r));
                mine.delete(command.topic);
              }
            }
            for (const [i, c] of clients.entries()) {
              for (let t = 0; t < TOPICS; t++) {
                const ids = (): string[] => c.of(topicNames[t]).map((m) => m.id);
                if (subscribed[i].has(t)) {
                  await c.until(() => ids().length >= published[t].length, 5000, `client ${i} to catch up on topic ${t}`);
                  assert.deepEqual(ids(), published[t], `client ${i}, topic ${t}: every message once, in order`);
                } else {
                  // Never subscribed, or unsubscribed: what arrived is a prefix, each message once.
                  assert.deepEqual(ids(), published[t].slice(0, ids().length), `client ${i}, topic ${t}: a prefix, in order`);
                }
              }
              assert.equal(c.frameOf('error').length, 0);
            }
          } finally {
            for (const c of clients) c.close();
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}

/** A ws client whose TCP socket the test can stop reading from. */
async function pausableClient(url: string): Promise<{ ws: WebSocket; socket: Socket; messages: Message[] }> {
  let socket: Socket | undefined;
  const ws = new WebSocket(url, {
    createConnection: (options: ClientRequestArgs) => {
      socket = tcpConnect(Number(options.port), options.host ?? '127.0.0.1');
      return socket;
    },
  });
  const messages: Message[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerFrame;
    if (frame.op === 'msgs') messages.push(...frame.msgs);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, socket: socket!, messages };
}

test('a connection whose socket is not draining does not hold back the others on its topic', async () => {
  const app = await startApp({ port: 0, host: '127.0.0.1', maxBufferedBytes: 256 * 1024 * 1024 });
  const url = `ws://127.0.0.1:${app.port}/ws`;
  const healthy = await TestClient.connect(url);
  const stalled = await pausableClient(url);
  try {
    healthy.send({ op: 'sub', ref: 1, topics: [{ topic: 'wide', snapshot: 0 }] });
    stalled.ws.send(JSON.stringify({ op: 'sub', ref: 1, topics: [{ topic: 'wide', snapshot: 0 }] }));
    await healthy.until(() => healthy.frameOf('subscribed').length === 1);
    await eventually(async () => (await (await fetch(`http://127.0.0.1:${app.port}/healthz`)).json()).gateway.subscriptions === 2);
    stalled.socket.pause();
    // Far more than the kernel's socket buffers hold, one publish per tick.
    const pad = 'x'.repeat(8 * 1024);
    const count = 4000;
    for (let i = 0; i < count; i++) {
      await app.bus.broker.publish([{ topic: 'wide', body: { ts: i, data: { i, pad } } }]);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await healthy.until(() => healthy.of('wide').length === count, 30_000, 'the reading client to get every message');
    assert.ok(stalled.messages.length < count, 'the other one was really not reading');
    stalled.socket.resume();
    await eventually(() => stalled.messages.length === count, 30_000, 'the stalled client to get everything once it reads again');
    assert.deepEqual(
      stalled.messages.map((m) => (m.data as { i: number }).i),
      Array.from({ length: count }, (_, i) => i),
      'in order, nothing lost or doubled',
    );
  } finally {
    healthy.close();
    stalled.ws.close();
    await app.close();
  }
});
