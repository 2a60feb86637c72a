/**
 * Aggregation survives a change of partition owner: two `rt processor`
 * processes share 8 partitions of a real Redis, one is SIGKILLed while its
 * windows are open, and every output — raw and aggregated — is published
 * exactly once and equals what a single processor publishes for the same
 * input.
 *
 * Outputs depend only on event time: the input lies a minute ahead of the
 * wall clock, so a partition read empty (whose watermark moves to `now`)
 * never closes a window or makes an event late, and one far-ahead event per
 * partition closes every window at the end. That lets the run start its
 * processors on empty streams and feed the second half of the input only
 * after the kill, so the kill lands mid-stream however fast the machine is.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { keyNames, RedisBus, type IngestEvent } from '../../bus/index.js';
import { partitionOf } from '../../bus/partition.js';
import { AGGREGATE_FUNCTIONS } from '../../processor/index.js';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually } from '../support/ws-client.js';

const PARTITIONS = 8;
const TOPICS = 48;
const EVENTS = 60_000;
const WINDOWS = ['1s', '5s'];
/** Event time starts this far ahead of the wall clock; the runs must finish within it. */
const AHEAD_MS = 60_000;
const T0 = Date.now() + AHEAD_MS;
/** The earliest event time of the input (the first event is 8 s late). */
const EARLIEST = T0 - 8000;

let redis: TestRedis;
const running: RtProcess[] = [];
let raw: ReturnType<typeof createClient>;
let configFile: string;

before(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  await raw.connect();
  const dir = mkdtempSync(join(tmpdir(), 'rt-failover-'));
  configFile = join(dir, 'rt.json');
  writeFileSync(configFile, JSON.stringify({ rules: [{ match: 'm.*', aggregate: [...AGGREGATE_FUNCTIONS], windows: WINDOWS, grace: '1s' }] }));
});
after(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await raw?.quit();
  await redis.stop();
});

/** A deterministic input: 10 events per ms of event time, every 97th event 8 s late. */
function input(): IngestEvent[] {
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: EVENTS }, (_, i) => ({
    topic: `m.t${Math.floor(next() * TOPICS)}`,
    ts: T0 + Math.floor(i / 10) - (i % 97 === 0 ? 8000 : 0),
    value: Math.round(next() * 100_000) / 100,
  }));
}

/** One event per partition far ahead in event time: it closes every window of its partition. */
function flush(): IngestEvent[] {
  const topics = new Map<number, string>();
  for (let i = 0; topics.size < PARTITIONS; i++) {
    const topic = `m.flush${i}`;
    if (!topics.has(partitionOf(topic, PARTITIONS))) topics.set(partitionOf(topic, PARTITIONS), topic);
  }
  return [...topics.values()].map((topic) => ({ topic, ts: T0 + 3_600_000, value: 0 }));
}
/** The flush events' own windows stay open: one per window length per partition. */
const FLUSH_WINDOWS = PARTITIONS * WINDOWS.length;

async function load(prefix: string, events: IngestEvent[]): Promise<void> {
  const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions: PARTITIONS });
  await bus.connect();
  for (let i = 0; i < events.length; i += 5000) await bus.ingest.append(events.slice(i, i + 5000));
  await bus.close();
}

async function processor(prefix: string): Promise<{ rt: RtProcess; port: number }> {
  const port = await freePort();
  const rt = await startRt('processor', ['--port', String(port)], {
    REDIS_URL: redis.url,
    RT_KEY_PREFIX: prefix,
    RT_PARTITIONS: String(PARTITIONS),
    RT_LEASE_TTL_MS: '1000',
    RT_CONFIG: configFile,
  });
  running.push(rt);
  return { rt, port };
}

async function health(port: number): Promise<{ processed: number; owned: number[]; windowsOpen: number; lateEvents: number }> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).processor;
}

/** True once every partition's entries are all delivered and acknowledged. */
async function drained(prefix: string): Promise<boolean> {
  for (let p = 0; p < PARTITIONS; p++) {
    const key = keyNames(prefix).ingest(p);
    // This client speaks RESP3, so each group comes back as a map.
    const [info] = (await raw.sendCommand(['XINFO', 'GROUPS', key])) as Record<string, unknown>[];
    const [newest] = (await raw.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1'])) as [string, string[]][];
    if (info.pending !== 0 || (newest && info['last-delivered-id'] !== newest[0])) return false;
  }
  return true;
}

async function outputs(prefix: string, topics: string[]): Promise<Map<string, string[]>> {
  const keys = keyNames(prefix);
  const replies = await Promise.all(topics.map((t) => raw.sendCommand(['XRANGE', keys.history(t), '-', '+']) as Promise<[string, string[]][]>));
  return new Map(topics.map((t, i) => [t, replies[i].map(([, fields]) => fields[fields.indexOf('b') + 1])]));
}

test('two processors over 8 partitions, one SIGKILLed mid-window: every output exactly once and equal to a single-processor run', async () => {
  const events = input();
  await load('ref', [...events, ...flush()]);

  // The reference: one processor alone.
  const single = await processor('ref');
  await eventually(async () => (await drained('ref')) && (await health(single.port)).windowsOpen === FLUSH_WINDOWS, 30_000, 'reference run done');
  const late = (await health(single.port)).lateEvents;
  assert.ok(late > 0, 'the input has late events');
  await single.rt.kill('SIGTERM');

  // Two processors share the partitions before any input arrives; the first
  // is SIGKILLed once 40 % of the input is processed, and the second half of
  // the input arrives only after that.
  const a = await processor('ha');
  const b = await processor('ha');
  await eventually(async () => (await health(a.port)).owned.length === 4 && (await health(b.port)).owned.length === 4, 20_000, 'partitions shared 4/4');
  const half = EVENTS / 2;
  await load('ha', events.slice(0, half));
  await eventually(async () => (await health(a.port)).processed + (await health(b.port)).processed >= EVENTS * 0.4, 20_000, '40 % processed');
  const atKill = await health(a.port);
  await a.rt.kill('SIGKILL');
  assert.ok(atKill.windowsOpen > 0, 'the killed processor had open windows');
  await load('ha', [...events.slice(half), ...flush()]);
  await eventually(async () => (await health(b.port)).owned.length === PARTITIONS, 20_000, 'the survivor took every partition');
  await eventually(async () => (await drained('ha')) && (await health(b.port)).windowsOpen === FLUSH_WINDOWS, 30_000, 'failover run done');
  // Past this, a partition read empty would have closed windows by the wall clock.
  assert.ok(Date.now() < EARLIEST, `both runs finished while the wall clock was behind all event time (${Date.now() - EARLIEST} ms past)`);

  const topics = [...new Set(events.map((e) => e.topic))];
  const aggregated = topics.flatMap((t) => AGGREGATE_FUNCTIONS.flatMap((fn) => WINDOWS.map((w) => `${t}:${fn}:${w}`)));
  const expected = await outputs('ref', [...topics, ...aggregated]);
  const got = await outputs('ha', [...topics, ...aggregated]);
  let messages = 0;
  for (const [topic, bodies] of expected) {
    messages += bodies.length;
    assert.ok(bodies.length > 0, `${topic} has outputs`);
    const ts = got.get(topic)!.map((b) => JSON.parse(b).ts as number);
    if (topic.includes(':')) assert.equal(new Set(ts).size, ts.length, `${topic}: no window published twice`);
    assert.deepEqual(got.get(topic), bodies, `${topic} equals the single-processor run`);
  }
  assert.equal([...expected].filter(([t]) => !t.includes(':')).reduce((n, [, b]) => n + b.length, 0), EVENTS, 'every raw event published once');
  assert.ok(messages > EVENTS);
});
