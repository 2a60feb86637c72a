/**
 * The processor and the whole pipeline, each against a reference measured
 * on the same Redis in the same run.
 *
 * 1. Processor throughput: N events are queued in the ingest stream, then
 *    `rt processor` processes (1, 2 or 4; 4 or 16 partitions) drain them;
 *    pass-through, and with the aggregations of issue 5 (count, avg, max,
 *    p95 over 1 s and 10 s windows) on every event. Reference: rt's own
 *    publish script (one EVALSHA per message, as before this work), pipelined
 *    1 000 deep from one connection, and `redis-benchmark` SET pipelined.
 * 2. End to end: ingest, processor and gateway as separate processes on
 *    Redis (and `rt start`, memory mode), 10 000 events/s over 100 topics
 *    POSTed every 10 ms; a WebSocket client subscribed to every topic
 *    records each event's POST → receipt latency and counts lost and
 *    duplicated events by sequence number.
 *
 *   npm run build && npm run bench:pipeline:processor [-- --runs 3 --events 100000 --seconds 8] [--wait-replica]
 *
 * `--wait-replica` starts a replica of that Redis too and runs the
 * processors with RT_REDIS_WAIT_REPLICAS=1 (every publish of ingest entries
 * waits for the replica before they are acknowledged, as with Sentinel).
 *
 * Prints one JSON object (every run) and tables of medians.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { keyNames, RedisBus, type IngestEvent } from '../bus/index.js';
import { encodeBody } from '../protocol/index.js';
import { PUBLISH } from '../bus/redis-scripts.js';
import { freePort } from '../test/support/free-port.js';
import { startRedis, type TestRedis } from '../test/support/redis-server.js';
import { startRt, type RtProcess } from '../test/support/rt-process.js';
import WebSocket from 'ws';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    events: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '8' },
    rate: { type: 'string', default: '10000' },
    /** Seconds of load sent first and left out of the latency figures (reported apart as the cold p99). */
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    'wait-replica': { type: 'boolean', default: false },
  },
});
const WAIT_REPLICA = args['wait-replica'];
const RUNS = Number(args.runs);
const EVENTS = Number(args.events);
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const WARMUP = Number(args.warmup);
const TOPICS = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let prefixes = 0;

/** rt's publish script pipelined from one connection: the per-message cost floor the processor is held against. */
async function publishScriptRate(redis: TestRedis, messages: number): Promise<number> {
  const client = createClient({ url: redis.url, RESP: 2 });
  await client.connect();
  const keys = keyNames(`ref${++prefixes}`);
  await client.sendCommand(['SCRIPT', 'LOAD', PUBLISH.source]);
  const started = process.hrtime.bigint();
  for (let i = 0; i < messages; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, messages - i) }, (_, j) => {
        const topic = `bench.t${(i + j) % TOPICS}`;
        return client.sendCommand(['EVALSHA', PUBLISH.sha, '2', keys.history(topic), keys.source(topic), keys.channel(topic), '10000', encodeBody({ ts: i + j, value: j }), '0', `${i + j + 1}-0`]);
      }),
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.destroy();
  return messages / seconds;
}

/** `redis-benchmark` SET, 50 clients pipelined 32 deep: what this Redis does at all. */
function redisBenchmark(redis: TestRedis): number {
  const out = execFileSync('redis-benchmark', ['-p', String(redis.port), '-t', 'set', '-n', '400000', '-P', '32', '-q', '--csv'], { encoding: 'utf8' });
  const line = out.trim().split('\n').find((l) => l.startsWith('"SET"'))!;
  return Number(JSON.parse(`[${line}]`)[1]);
}

function events(count: number): IngestEvent[] {
  const base = Date.now() - 60_000;
  return Array.from({ length: count }, (_, i) => ({ topic: `bench.t${i % TOPICS}`, ts: base + Math.floor(i / 20), value: (i * 7919) % 1000 }));
}

interface ProcessorRun {
  processes: number;
  partitions: number;
  aggregate: boolean;
  eventsPerSecond: number;
  /** CPU seconds of the processor processes per million events. */
  cpuSecondsPerMillion: number;
  /** CPU seconds of redis-server per million events. */
  redisCpuSecondsPerMillion: number;
  /** eventsPerSecond ÷ the publish-script reference of the same run. */
  ratioToPublishScript?: number;
}

async function cpuSeconds(pid: number): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function processorRun(redis: TestRedis, queued: IngestEvent[], processes: number, partitions: number, aggregate: boolean, config: string): Promise<ProcessorRun> {
  const prefix = `p${++prefixes}`;
  const keys = keyNames(prefix);
  const env: Record<string, string> = { REDIS_URL: redis.url, RT_KEY_PREFIX: prefix, RT_PARTITIONS: String(partitions), LOG_LEVEL: 'warn', RT_LEASE_TTL_MS: '600', RT_REDIS_WAIT_REPLICAS: WAIT_REPLICA ? '1' : '0', RT_REDIS_WAIT_TIMEOUT_MS: '150' };
  if (aggregate) env.RT_CONFIG = config;
  const ports: number[] = [];
  const procs: RtProcess[] = [];
  for (let i = 0; i < processes; i++) {
    const port = await freePort();
    ports.push(port);
    procs.push(await startRt('processor', ['--port', String(port)], env));
  }
  const health = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).processor;
  // Every processor holds its share before there is work, so the run measures them all.
  const share = Math.floor(partitions / processes);
  for (let waited = 0; ; waited += 50) {
    const owned = await Promise.all(ports.map(async (port) => (await health(port)).owned.length));
    if (owned.every((n) => n >= share) || waited > 20_000) break;
    await sleep(50);
  }
  // The queue is built under other names and renamed into place in one step:
  // the processors see all of it at once, as after an outage.
  const loader = new RedisBus({ url: redis.url, keyPrefix: `${prefix}:load`, partitions });
  await loader.connect();
  for (let i = 0; i < queued.length; i += 5000) await loader.ingest.append(queued.slice(i, i + 5000));
  const raw = createClient({ url: redis.url, RESP: 2 });
  await raw.connect();
  const multi = raw.multi();
  for (let p = 0; p < partitions; p++) {
    await raw.sendCommand(['XGROUP', 'CREATE', keyNames(`${prefix}:load`).ingest(p), 'rt-processor', '0', 'MKSTREAM']);
    multi.addCommand(['RENAME', keyNames(`${prefix}:load`).ingest(p), keys.ingest(p)]);
  }
  await multi.exec();
  const redisPid = Number(/process_id:(\d+)/.exec(String(await raw.sendCommand(['INFO', 'server'])))![1]);
  await raw.destroy();
  await loader.close();
  const processed = async (): Promise<number> => {
    let n = 0;
    for (const port of ports) n += (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).processor.processed;
    return n;
  };
  const cpuBefore = await Promise.all(procs.map((p) => cpuSeconds(p.child.pid!)));
  const redisBefore = await cpuSeconds(redisPid);
  let first: { t: number; n: number } | null = null;
  let last = { t: performance.now(), n: 0 };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const n = await processed();
    const t = performance.now();
    if (!first && n > 0) first = { t, n };
    last = { t, n };
    if (n >= queued.length) break;
    await sleep(20);
  }
  const cpuAfter = await Promise.all(procs.map((p) => cpuSeconds(p.child.pid!)));
  const redisCpu = (await cpuSeconds(redisPid)) - redisBefore;
  for (const p of procs) await p.kill('SIGKILL');
  if (last.n < queued.length) throw new Error(`processors handled only ${last.n} of ${queued.length} events`);
  const cpu = cpuAfter.reduce((a, b) => a + b, 0) - cpuBefore.reduce((a, b) => a + b, 0);
  // Rate from the first to the last acknowledged batch: start-up (lease taking, connecting) is not throughput.
  return {
    processes,
    partitions,
    aggregate,
    eventsPerSecond: (last.n - first!.n) / ((last.t - first!.t) / 1000),
    cpuSecondsPerMillion: (cpu / queued.length) * 1e6,
    redisCpuSecondsPerMillion: (redisCpu / queued.length) * 1e6,
  };
}

interface EndToEndRun {
  mode: 'redis' | 'memory';
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  p50: number;
  p99: number;
  /** p99 of the warm-up seconds: the first events after the processes started. */
  coldP99: number | null;
  max: number;
}

async function endToEnd(mode: 'redis' | 'memory', redis: TestRedis): Promise<EndToEndRun> {
  const prefix = `e${++prefixes}`;
  const env: Record<string, string> = { RT_KEY_PREFIX: prefix, LOG_LEVEL: 'warn', RT_DEMO: 'false' };
  const procs: RtProcess[] = [];
  let ingestPort: number;
  let gatewayPort: number;
  if (mode === 'redis') {
    env.REDIS_URL = redis.url;
    ingestPort = await freePort();
    gatewayPort = await freePort();
    procs.push(await startRt('ingest', ['--port', String(ingestPort)], env));
    procs.push(await startRt('processor', [], env));
    procs.push(await startRt('gateway', ['--port', String(gatewayPort)], env));
  } else {
    ingestPort = gatewayPort = await freePort();
    procs.push(await startRt('start', ['--port', String(ingestPort)], env));
  }
  const topics = Array.from({ length: TOPICS }, (_, i) => `e2e.t${i}`);
  // A bare ws client: the receiving end must cost as little as possible, it shares the machine.
  const client = new WebSocket(`ws://127.0.0.1:${gatewayPort}/ws`);
  let subscribed = 0;
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString());
      if (frame.op === 'hello') client.send(JSON.stringify({ op: 'sub', topics: topics.map((topic) => ({ topic, snapshot: 0 })) }));
      if (frame.op === 'subscribed' && (subscribed += frame.topics?.length ?? 1) >= 1) resolve();
    });
  });
  await sleep(300);

  const sentAt = new Map<number, number>();
  const seen = new Map<number, number>();
  const latencies: number[] = [];
  const cold: number[] = [];
  const warmupEvents = Math.round(WARMUP * RATE);
  let duplicated = 0;
  client.on('message', (raw: Buffer) => {
    const now = performance.now();
    const frame = JSON.parse(raw.toString());
    if (frame.op !== 'msgs') return;
    for (const m of frame.msgs) {
      const seq = m.value;
      if (typeof seq !== 'number') continue;
      const count = (seen.get(seq) ?? 0) + 1;
      seen.set(seq, count);
      if (count > 1) duplicated++;
      else (seq < warmupEvents ? cold : latencies).push(now - sentAt.get(seq)!);
    }
  });

  const perTick = Math.round(RATE / 100);
  const ticks = (WARMUP + SECONDS) * 100;
  let seq = 0;
  const started = performance.now();
  const posts: Promise<unknown>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const due = started + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const batch = Array.from({ length: perTick }, () => {
      const s = seq++;
      return { topic: topics[s % TOPICS], value: s };
    });
    const t = performance.now();
    for (const e of batch) sentAt.set(e.value, t);
    posts.push(
      fetch(`http://127.0.0.1:${ingestPort}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) }).then(async (res) => {
        if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
  await Promise.all(posts);
  const settle = Date.now() + 10_000;
  while (seen.size < seq && Date.now() < settle) await sleep(50);
  client.close();
  for (const p of procs) await p.kill('SIGTERM');
  latencies.sort((a, b) => a - b);
  cold.sort((a, b) => a - b);
  const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  return {
    mode,
    sent: seq,
    received: seen.size,
    lost: seq - seen.size,
    duplicated,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1],
    coldP99: cold.length > 0 ? pct(cold, 99) : null,
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const replica = WAIT_REPLICA ? await startRedis({ args: ['--replicaof', '127.0.0.1', String(redis.port)] }) : null;
  const dir = mkdtempSync(join(tmpdir(), 'rt-bench-'));
  const config = join(dir, 'rt.json');
  writeFileSync(config, JSON.stringify({ rules: [{ match: 'bench.*', aggregate: ['count', 'avg', 'max', 'p95'], windows: ['1s', '10s'] }] }));
  const queued = events(EVENTS);
  const result: Record<string, unknown> = { events: EVENTS, runs: RUNS, topics: TOPICS };
  try {
    const reference = { publishScript: [] as number[], redisBenchmarkSet: [] as number[] };
    const proc: ProcessorRun[] = [];
    const e2e: EndToEndRun[] = [];
    const shapes: [number, number, boolean][] = [
      [1, 4, false], [1, 4, true], [1, 16, false], [2, 4, false], [2, 16, false], [4, 16, false],
    ];
    for (let run = 0; run < RUNS; run++) {
      if (args.only !== 'e2e') {
        reference.publishScript.push(await publishScriptRate(redis, EVENTS));
        reference.redisBenchmarkSet.push(redisBenchmark(redis));
        for (const [n, p, agg] of shapes) {
          const r = await processorRun(redis, queued, n, p, agg, config);
          // The ratio is taken within the run: the machine's load changes between runs.
          r.ratioToPublishScript = r.eventsPerSecond / reference.publishScript[run];
          proc.push(r);
          process.stderr.write(`processor ${JSON.stringify(r)}\n`);
        }
      }
      if (args.only !== 'processor') {
        for (const mode of ['redis', 'memory'] as const) {
          const r = await endToEnd(mode, redis);
          e2e.push(r);
          process.stderr.write(`end-to-end ${JSON.stringify(r)}\n`);
        }
      }
    }
    const ref = median(reference.publishScript);
    result.reference = { publishScriptPerSecond: ref, redisBenchmarkSetPerSecond: median(reference.redisBenchmarkSet), runs: reference };
    result.processor = proc;
    result.endToEnd = e2e;
    console.log(JSON.stringify(result));

    if (proc.length > 0) {
      console.log(`\nProcessor, ${EVENTS} queued events over ${TOPICS} topics${WAIT_REPLICA ? ', every publish waiting for 1 replica (WAIT)' : ''}, median of ${RUNS} runs; ratios are medians of per-run ratios (reference: rt's publish script pipelined ${Math.round(ref)}/s; redis-benchmark SET -P 32 ${Math.round(median(reference.redisBenchmarkSet))}/s)`);
      console.log('processes  partitions  work                         events/s   × publish script   CPU s per 1M events   Redis CPU s per 1M');
      for (const [n, p, agg] of shapes) {
        const rs = proc.filter((r) => r.processes === n && r.partitions === p && r.aggregate === agg);
        const eps = median(rs.map((r) => r.eventsPerSecond));
        console.log(`${String(n).padStart(9)}  ${String(p).padStart(10)}  ${(agg ? 'count,avg,max,p95 × 1s,10s' : 'pass-through').padEnd(26)} ${Math.round(eps).toString().padStart(9)}   ${median(rs.map((r) => r.ratioToPublishScript!)).toFixed(2).padStart(16)}   ${median(rs.map((r) => r.cpuSecondsPerMillion)).toFixed(1).padStart(19)}   ${median(rs.map((r) => r.redisCpuSecondsPerMillion)).toFixed(1).padStart(18)}`);
      }
    }
    if (e2e.length > 0) {
      console.log(`\nEnd to end, ${RATE} events/s over ${TOPICS} topics for ${SECONDS} s after ${WARMUP} s of warm-up, POST → WebSocket receipt, median of ${RUNS} runs (target p99 < 25 ms; cold p99: the warm-up seconds, not in the other columns)`);
      console.log('mode      p50 ms   p99 ms   max ms   p99 ÷ 25 ms   cold p99 ms   sent     lost   duplicated');
      for (const mode of ['redis', 'memory'] as const) {
        const rs = e2e.filter((r) => r.mode === mode);
        const p99 = median(rs.map((r) => r.p99));
        console.log(`${mode.padEnd(8)} ${median(rs.map((r) => r.p50)).toFixed(1).padStart(7)}  ${p99.toFixed(1).padStart(7)}  ${median(rs.map((r) => r.max)).toFixed(1).padStart(7)}   ${(p99 / 25).toFixed(2).padStart(11)}   ${(rs.every((r) => r.coldP99 === null) ? '—' : median(rs.map((r) => r.coldP99 ?? 0)).toFixed(1)).padStart(11)}   ${rs.reduce((a, r) => a + r.sent, 0).toString().padStart(6)}   ${rs.reduce((a, r) => a + r.lost, 0).toString().padStart(4)}   ${rs.reduce((a, r) => a + r.duplicated, 0).toString().padStart(10)}`);
      }
    }
  } finally {
    await replica?.stop();
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
