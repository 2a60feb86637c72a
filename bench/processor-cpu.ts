/**
 * One processor's own CPU per event, in-process, without the bench's other
 * processes in the measurement: `--events` events over 100 topics are
 * queued in a redis-server this script starts, then one `Processor`
 * (the class `rt processor` runs) drains them while this process's CPU time
 * (`process.cpuUsage`) and garbage-collection pauses (`perf_hooks`) are
 * counted. `--cpu-prof` / `--heap-prof` write a V8 CPU profile or a sampling
 * heap profile of just the draining (open them in Chrome DevTools).
 *
 *   npm run build && node dist/bench/processor-cpu.js [--events 100000] [--partitions 4] [--aggregate] [--runs 3]
 *
 * To compare two builds, run the same script from a copy of the other
 * build's dist/ (with node_modules next to it), interleaved, and compare
 * medians: the machine's load moves every figure.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { RedisBus, type IngestEvent } from '../bus/index.js';
import { Processor } from '../processor/index.js';
import { RuleSet } from '../processor/rules.js';
import { startRedis } from '../test/support/redis-server.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '4' },
    aggregate: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const RUNS = Number(args.runs);
if (!(EVENTS > 0) || !(PARTITIONS > 0) || !(RUNS > 0)) throw new Error('--events, --partitions and --runs must be positive numbers');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const silent = { info() {}, warn() {}, error(obj: object, msg: string) { console.error(msg, obj); } };

interface Run {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  gcMicrosPerEvent: number;
  gcPauses: number;
}

async function run(index: number): Promise<Run> {
  const redis = await startRedis();
  try {
    const prefix = `cpu${index}`;
    const loader = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions: PARTITIONS });
    await loader.connect();
    await loader.ingest.ensureGroup('rt-processor');
    const base = Date.now() - 60_000;
    const events: IngestEvent[] = Array.from({ length: EVENTS }, (_, i) => ({ topic: `bench.t${i % 100}`, ts: base + Math.floor(i / 20), value: (i * 7919) % 1000 }));
    for (let i = 0; i < EVENTS; i += 5000) await loader.ingest.append(events.slice(i, i + 5000));
    await loader.close();

    const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions: PARTITIONS });
    await bus.connect();
    const rules = args.aggregate ? new RuleSet([{ match: 'bench.*', aggregate: ['count', 'avg', 'max', 'p95'], windows: ['1s', '10s'] }]) : undefined;
    let gcMs = 0;
    let gcPauses = 0;
    const gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gcMs += entry.duration;
        gcPauses++;
      }
    });
    gc.observe({ entryTypes: ['gc'] });
    const session = args['cpu-prof'] || args['heap-prof'] ? new Session() : null;
    session?.connect();
    if (args['cpu-prof']) {
      await session!.post('Profiler.enable');
      await session!.post('Profiler.start');
    }
    if (args['heap-prof']) {
      await session!.post('HeapProfiler.enable');
      // Everything allocated, including what the GC has collected since: the allocation rate is the point.
      await session!.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    const cpuBefore = process.cpuUsage();
    const processor = new Processor({ ingest: bus.ingest, coordination: bus.coordination, broker: bus.broker, state: bus.state, log: silent, rules });
    await processor.start();
    let first: { t: number; n: number } | null = null;
    while (processor.stats.processed < EVENTS) {
      if (!first && processor.stats.processed > 0) first = { t: performance.now(), n: processor.stats.processed };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const end = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    gc.disconnect();
    if (args['cpu-prof']) writeFileSync(args['cpu-prof'], JSON.stringify((await session!.post('Profiler.stop')).profile));
    if (args['heap-prof']) writeFileSync(args['heap-prof'], JSON.stringify((await session!.post('HeapProfiler.stopSampling')).profile));
    session?.disconnect();
    await processor.stop();
    await bus.close();
    // From the first acknowledged batch on, like bench/pipeline-processor.ts: start-up is not throughput.
    const eventsPerSecond = first ? (EVENTS - first.n) / ((end - first.t) / 1000) : Number.NaN;
    return { eventsPerSecond, cpuMicrosPerEvent: (cpu.user + cpu.system) / EVENTS, gcMicrosPerEvent: (gcMs * 1000) / EVENTS, gcPauses };
  } finally {
    await redis.stop();
  }
}

const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await run(i);
  runs.push(r);
  process.stderr.write(`run ${i + 1}: ${JSON.stringify(r)}\n`);
}
console.log(
  JSON.stringify({
    events: EVENTS,
    partitions: PARTITIONS,
    aggregate: args.aggregate,
    runs: RUNS,
    median: {
      eventsPerSecond: Math.round(median(runs.map((r) => r.eventsPerSecond))),
      cpuMicrosPerEvent: +median(runs.map((r) => r.cpuMicrosPerEvent)).toFixed(2),
      gcMicrosPerEvent: +median(runs.map((r) => r.gcMicrosPerEvent)).toFixed(2),
      gcPauses: median(runs.map((r) => r.gcPauses)),
    },
  }),
);
process.exit(0);
