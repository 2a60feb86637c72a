/**
 * A reconnect storm, measured: N clients running the widgets' real
 * connection manager (see browser-connection.ts) hold topics on a real
 * gateway process over a real Redis; the gateway goes down (SIGTERM: it
 * closes every socket with 1001 and names its spread window; or SIGKILL: no
 * close at all), stays down for `downMs` while every topic gets new
 * messages, and starts again on the same port. Measured from the moment the
 * new gateway prints that it listens: when each client is open again and
 * when it holds the newest message of its topic; and the gateway's own
 * event-loop delay over its life (its /healthz).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RedisBus } from '../../bus/index.js';
import { compareIds } from '../../protocol/index.js';
import { freePort } from './free-port.js';
import { loadConnectionModule, nodeWebSocket } from './browser-connection.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { startRt, type RtProcess } from './rt-process.js';

export interface StormOptions {
  clients: number;
  topics: number;
  /** `graceful`: SIGTERM (1001 with the spread window); `kill`: SIGKILL (clients see 1006 and back off). */
  shutdown: 'graceful' | 'kill';
  /** Window the gateway names (RT_RECONNECT_SPREAD_MS). */
  spreadMs: number;
  /** How long the gateway stays down. */
  downMs: number;
  /** Messages published per topic while it is down. */
  missed: number;
  /** Give up waiting for clients after this long from listening. */
  deadlineMs: number;
  /** A Redis to use; one is started (and stopped) otherwise. */
  redis?: TestRedis;
}

export interface StormResult {
  clients: number;
  topics: number;
  shutdown: StormOptions['shutdown'];
  spreadMs: number;
  downMs: number;
  /** Clients open again, from the new gateway listening (ms): quantiles over clients. */
  backMs: { p50: number; p99: number; max: number };
  /** Clients holding their topic's newest message, from listening (ms). */
  caughtUpMs: { p50: number; p99: number; max: number };
  /** Clients not caught up by the deadline. */
  notCaughtUp: number;
  /** Messages a client got that it had already (by id), summed over clients. */
  duplicates: number;
  /** Messages a client missed (its values are not 0..missed in order), summed over clients. */
  lost: number;
  /** The restarted gateway's event-loop delay over its life, including the storm (ms). */
  gatewayEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Connections the restarted gateway counted at the end. */
  gatewayConnections: number;
}

interface StormClient {
  topic: string;
  values: number[];
  lastId: string | null;
  duplicates: number;
  openedAt: number;
  caughtUpAt: number;
  stop(): void;
}

function quantiles(values: number[]): { p50: number; p99: number; max: number } {
  if (values.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(sorted[sorted.length - 1]) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs one storm and reports what the clients and the gateway saw. */
export async function runStorm(options: StormOptions): Promise<StormResult> {
  const { Connection, FrameScheduler } = await loadConnectionModule();
  const redis = options.redis ?? (await startRedis());
  const prefix = `storm${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions: 1 });
  await bus.connect();
  const port = await freePort();
  // Every client comes from 127.0.0.1: lift the per-address connection bound, as bench:gateway does.
  const configDir = mkdtempSync(join(tmpdir(), 'rt-storm-'));
  const configFile = join(configDir, 'rt.config.json');
  writeFileSync(configFile, JSON.stringify({ limits: { connectionsPerAddress: 20_000 } }));
  const env = {
    RT_CONFIG: configFile,
    REDIS_URL: redis.url,
    RT_KEY_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    RT_RECONNECT_SPREAD_MS: String(options.spreadMs),
    RT_DEMO: 'false',
  };
  const topics = Array.from({ length: options.topics }, (_, i) => `storm.t${i}`);
  const clients: StormClient[] = [];
  let gateway: RtProcess | null = null;
  let restarted: RtProcess | null = null;
  try {
    await bus.broker.publish(topics.map((topic) => ({ topic, body: { ts: Date.now(), value: 0 } })));
    gateway = await startRt('gateway', [], env);
    const url = `ws://127.0.0.1:${port}/ws`;
    // One scheduler for all: delivery on the next macrotask stands in for a page's next animation frame.
    const scheduler = new FrameScheduler((callback) => setImmediate(callback));
    for (let i = 0; i < options.clients; i++) {
      const topic = topics[i % topics.length];
      const connection = new Connection(url, { createSocket: nodeWebSocket, scheduler, transport: 'websocket' });
      const client: StormClient = { topic, values: [], lastId: null, duplicates: 0, openedAt: 0, caughtUpAt: 0, stop: () => undefined };
      client.stop = connection.subscribe(topic, {
        onMessages(messages) {
          for (const message of messages) {
            if (client.lastId !== null && compareIds(message.id, client.lastId) <= 0) client.duplicates++;
            client.lastId = message.id;
            client.values.push(message.value as number);
            if (message.value === options.missed && client.caughtUpAt === 0) client.caughtUpAt = performance.now();
          }
        },
        onStatus(status) {
          if (status === 'open' && client.openedAt === 0) client.openedAt = performance.now();
        },
      });
      clients.push(client);
      // Page loads are spread over time too; a burst of thousands in one tick measures the client process.
      if (i % 200 === 199) await sleep(5);
    }
    await waitUntil(() => clients.every((c) => c.values.length === 1), 60_000, 'every client to hold its first value');

    for (const client of clients) client.openedAt = 0;
    await gateway.kill(options.shutdown === 'graceful' ? 'SIGTERM' : 'SIGKILL');
    gateway = null;
    const missedValues = Array.from({ length: options.missed }, (_, i) => i + 1);
    for (const value of missedValues) await bus.broker.publish(topics.map((topic) => ({ topic, body: { ts: Date.now(), value } })));
    await sleep(options.downMs);

    restarted = await startRt('gateway', [], env);
    const listening = performance.now();
    const done = (): boolean => clients.every((c) => c.caughtUpAt > 0);
    await waitUntil(done, options.deadlineMs, 'every client to catch up').catch(() => undefined);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      gateway: { connections: number; eventLoopDelayMs: { p50: number; p99: number; max: number } };
    };

    const expected = [0, ...missedValues];
    let lost = 0;
    for (const client of clients) {
      const got = new Set(client.values);
      for (const value of expected) if (!got.has(value)) lost++;
    }
    const round = (q: { p50: number; p99: number; max: number }) => ({ p50: Math.round(q.p50 * 10) / 10, p99: Math.round(q.p99 * 10) / 10, max: Math.round(q.max * 10) / 10 });
    return {
      clients: options.clients,
      topics: options.topics,
      shutdown: options.shutdown,
      spreadMs: options.spreadMs,
      downMs: options.downMs,
      backMs: quantiles(clients.filter((c) => c.openedAt > 0).map((c) => Math.max(0, c.openedAt - listening))),
      caughtUpMs: quantiles(clients.filter((c) => c.caughtUpAt > 0).map((c) => Math.max(0, c.caughtUpAt - listening))),
      notCaughtUp: clients.filter((c) => c.caughtUpAt === 0).length,
      duplicates: clients.reduce((sum, c) => sum + c.duplicates, 0),
      lost,
      gatewayEventLoopDelayMs: round(health.gateway.eventLoopDelayMs),
      gatewayConnections: health.gateway.connections,
    };
  } finally {
    for (const client of clients) client.stop();
    await gateway?.kill('SIGKILL');
    await restarted?.kill('SIGKILL');
    await bus.close();
    rmSync(configDir, { recursive: true, force: true });
    if (!options.redis) await redis.stop();
  }
}
