/**
 * Ingest throughput against Redis' own ceiling, in one run on one machine:
 * `redis-benchmark` XADD (pipelined 32 deep, and unpipelined with 50 clients)
 * side by side with one `rt ingest` process fed over HTTP (arrays of 1 000
 * events, NDJSON of 1 000 lines, and one event per request on 50
 * connections), all on a redis-server this bench starts on a free port.
 *
 *   npm run build && node dist/bench/pipeline-ingest.js [--runs 3] [--batches 300] [--seconds 5] [--connections 8] [--wait-replica]
 *
 * `--wait-replica` starts a replica of that Redis too and runs ingest with
 * RT_REDIS_WAIT_REPLICAS=1 (every append waits for the replica, as with
 * Sentinel), to measure what that guarantee costs.
 *
 * Each run checks that every accepted event is in the ingest streams (0 lost,
 * none twice). Prints one JSON line per run and a table of medians with
 * ratios, plus CPU seconds per 1 000 events for ingest and Redis.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createClient } from 'redis';
import { freePort } from '../test/support/free-port.js';
import { startRedis } from '../test/support/redis-server.js';
import { startRt } from '../test/support/rt-process.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    batches: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '5' },
    partitions: { type: 'string', default: '4' },
    connections: { type: 'string', default: '8' },
    'wait-replica': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const BATCHES = Number(values.batches);
const SECONDS = Number(values.seconds);
const BATCH = 1000;
const TOPICS = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function redisBenchmark(port: number, args: string[]): Promise<number> {
  const { stdout } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-q', ...args, 'XADD', 'bench:xadd', '*', 'topic', 'bench.t', 'ts', '1700000000000', 'value', '42.5'], { maxBuffer: 1 << 24 });
  const match = /([\d.]+) requests per second/.exec(stdout.split('\r').pop() ?? stdout);
  if (!match) throw new Error(`cannot read redis-benchmark output: ${stdout}`);
  return Number(match[1]);
}

function eventsBody(format: 'json' | 'ndjson', seq: number): string {
  const events = Array.from({ length: BATCH }, (_, i) => ({ topic: `bench.topic${(seq + i) % TOPICS}`, value: i + 0.5 }));
  return format === 'json' ? JSON.stringify(events) : events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

interface Load {
  events: number;
  seconds: number;
  non202: number;
}

/**
 * Runs autocannon and times it by its last response: autocannon reports the
 * end of an `amount` run only at its next one-second tick, which would cap
 * short runs at whole seconds.
 */
async function load(options: autocannon.Options): Promise<Load> {
  const started = process.hrtime.bigint();
  let last = started;
  let ok = 0;
  let other = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, status) => {
      last = process.hrtime.bigint();
      if (status === 202) ok++;
      else other++;
    });
  });
  return { events: ok, seconds: Number(last - started) / 1e9, non202: other + result.errors };
}

/** Posts `BATCHES` bodies of 1 000 events on `--connections` connections; events/s is accepted events over wall time. */
async function batchLoad(url: string, format: 'json' | 'ndjson'): Promise<Load> {
  const answer = await load({
    url: `${url}/v1/events`,
    method: 'POST',
    headers: { 'content-type': format === 'json' ? 'application/json' : 'application/x-ndjson' },
    body: eventsBody(format, 0),
    connections: Number(values.connections),
    amount: BATCHES,
    timeout: 30,
  });
  return { ...answer, events: answer.events * BATCH };
}

/**
 * One event per request on 50 connections for `--seconds`. (autocannon's
 * `amount` mode ran about a third slower than its `duration` mode against
 * the same server: the load generator, not ingest, was the limit.)
 */
function singleLoad(url: string): Promise<Load> {
  return load({
    url: `${url}/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic: 'bench.single', value: 1.5 }),
    connections: 50,
    duration: SECONDS,
  });
}

interface RunResult {
  redisXaddPipelined: number;
  redisCpuPer1000Xadd: number;
  redisXaddUnpipelined: number;
  ingestJson: number;
  ingestNdjson: number;
  ingestSingle: number;
  ingestCpuPer1000: number;
  redisCpuPer1000: number;
  ingestCpuPerSingle: number;
  ratioJson: number;
  ratioNdjson: number;
  ratioSingle: number;
  lost: number;
}

async function once(): Promise<RunResult> {
  const redis = await startRedis();
  const replica = values['wait-replica'] ? await startRedis({ args: ['--replicaof', '127.0.0.1', String(redis.port)] }) : null;
  const raw = createClient({ url: redis.url });
  await raw.connect();
  const port = await freePort();
  const ingest = await startRt('ingest', ['--port', String(port), '--partitions', values.partitions!], {
    REDIS_URL: redis.url,
    RT_REDIS_WAIT_REPLICAS: replica ? '1' : '0',
    RT_INGEST_MAXLEN: '1000000000',
    RT_INGEST_MAX_AGE_MS: '0',
    LOG_LEVEL: 'warn',
    RT_DEMO: 'false',
  });
  const url = `http://127.0.0.1:${port}`;
  const redisCpu = async (): Promise<number> => {
    const info = String(await raw.sendCommand(['INFO', 'cpu']));
    return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
  };
  try {
    const xaddCpu0 = await redisCpu();
    const pipelined = await redisBenchmark(redis.port, ['-n', '1000000', '-c', '50', '-P', '32']);
    const xaddCpu = (await redisCpu()) - xaddCpu0;
    const unpipelined = await redisBenchmark(redis.port, ['-n', '200000', '-c', '50']);
    await raw.sendCommand(['DEL', 'bench:xadd']);
    // Warm-up: JIT and connections, not measured.
    await batchLoad(url, 'json');
    await raw.sendCommand(['FLUSHALL']);

    const cpu0 = cpuSeconds(ingest.child.pid!);
    const rcpu0 = await redisCpu();
    const json = await batchLoad(url, 'json');
    const ndjson = await batchLoad(url, 'ndjson');
    const cpu1 = cpuSeconds(ingest.child.pid!);
    const rcpu1 = await redisCpu();
    const single = await singleLoad(url);
    const cpu2 = cpuSeconds(ingest.child.pid!);
    let stored = 0;
    for (let p = 0; p < Number(values.partitions); p++) stored += Number(await raw.sendCommand(['XLEN', `rt:in:{${p}}`]));
    const accepted = json.events + ndjson.events + single.events;
    const batchEvents = json.events + ndjson.events;
    return {
      redisXaddPipelined: pipelined,
      redisCpuPer1000Xadd: (xaddCpu / 1_000_000) * 1000,
      redisXaddUnpipelined: unpipelined,
      ingestJson: json.events / json.seconds,
      ingestNdjson: ndjson.events / ndjson.seconds,
      ingestSingle: single.events / single.seconds,
      ingestCpuPer1000: ((cpu1 - cpu0) / batchEvents) * 1000,
      redisCpuPer1000: ((rcpu1 - rcpu0) / batchEvents) * 1000,
      ingestCpuPerSingle: ((cpu2 - cpu1) / single.events) * 1e6,
      ratioJson: json.events / json.seconds / pipelined,
      ratioNdjson: ndjson.events / ndjson.seconds / pipelined,
      ratioSingle: single.events / single.seconds / unpipelined,
      // Requests still in flight when the timed load stops may be stored without a counted 202.
      lost: Math.max(0, accepted - stored),
    };
  } finally {
    await ingest.kill();
    await raw.destroy();
    await replica?.stop();
    await redis.stop();
  }
}

const results: RunResult[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await once();
  results.push(r);
  console.log(JSON.stringify({ bench: 'pipeline-ingest', run: i + 1, ...r }));
}
const m = (k: keyof RunResult): number => median(results.map((r) => r[k]));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`\ningest, one process, Redis ${values.partitions} partitions, batches on ${values.connections} connections${values['wait-replica'] ? ', every append waiting for 1 replica (WAIT)' : ''}; medians of ${RUNS} runs`);
console.log('| measure | events/s | reference | ratio |');
console.log('|---|---|---|---|');
console.log(`| redis-benchmark XADD -P 32 -c 50 | ${fmt(m('redisXaddPipelined'))} | | |`);
console.log(`| redis-benchmark XADD -c 50 (unpipelined) | ${fmt(m('redisXaddUnpipelined'))} | | |`);
console.log(`| rt ingest, JSON arrays of 1 000 | ${fmt(m('ingestJson'))} | pipelined XADD | ${m('ratioJson').toFixed(3)} |`);
console.log(`| rt ingest, NDJSON of 1 000 lines | ${fmt(m('ingestNdjson'))} | pipelined XADD | ${m('ratioNdjson').toFixed(3)} |`);
console.log(`| rt ingest, 1 event per request, 50 connections | ${fmt(m('ingestSingle'))} | unpipelined XADD | ${m('ratioSingle').toFixed(3)} |`);
console.log('(ratios: median of the per-run ratios)');
console.log(`\nCPU seconds per 1 000 batched events: ingest ${m('ingestCpuPer1000').toFixed(4)}, Redis ${m('redisCpuPer1000').toFixed(4)} (Redis for 1 000 plain pipelined XADD: ${m('redisCpuPer1000Xadd').toFixed(4)})`);
console.log(`ingest CPU per one-event request: ${m('ingestCpuPerSingle').toFixed(1)} µs; events lost: ${results.map((r) => r.lost).join(', ')}`);
