/**
 * The memory bus at any size: the rate of the whole in-memory cycle (append
 * to the ingest log, read through a consumer group, publish to 100 topics'
 * history, acknowledge and trim) when fresh and after 10 million events, in
 * the same process and run. The issue this answers: the old memory bus fell
 * from 32 400 to 7 400 events/s after 450 000 events (Array.splice on every
 * append once full).
 *
 *   npm run build && node dist/bench/memory-bus-aging.js [--events 10000000] [--runs 3]
 *
 * Prints one JSON line per run and a table of medians.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryBus, type IngestEvent } from '../bus/index.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '3' }, window: { type: 'string', default: '200000' } } });
const total = Number(values.events);
const runs = Number(values.runs);
const window = Number(values.window);
const BATCH = 1000;

// A full collection before every measured window: otherwise the garbage of
// the window before (a whole discarded bus) is collected during the next one
// and charged to whichever bus happens to run then.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const TOPICS = Array.from({ length: 100 }, (_, i) => `bench.topic${i}`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Pushes `count` events through one full cycle per batch; resolves with events per second. */
async function cycle(bus: MemoryBus, start: number, count: number): Promise<number> {
  const partitions = Array.from({ length: bus.ingest.partitions }, (_, i) => i);
  const began = process.hrtime.bigint();
  for (let done = 0; done < count; done += BATCH) {
    const events: IngestEvent[] = [];
    for (let i = 0; i < BATCH; i++) events.push({ topic: TOPICS[(start + done + i) % TOPICS.length], ts: start + done + i, value: i });
    await bus.ingest.append(events);
    const read = await bus.ingest.read('bench', 'c', partitions, { pending: false, count: BATCH, blockMs: 0 });
    await bus.broker.publish(read.map((e) => ({ topic: e.event!.topic, body: { ts: e.event!.ts, value: e.event!.value }, source: { partition: e.partition, id: e.id } })));
    await bus.ingest.ack('bench', read);
  }
  return count / (Number(process.hrtime.bigint() - began) / 1e9);
}

interface RunResult {
  fresh: number;
  aged: number;
  ratio: number;
  heapMiB: number;
  seconds: number;
}

async function freshBus(): Promise<MemoryBus> {
  const bus = new MemoryBus({ partitions: 4, historyMaxLen: 10_000 });
  await bus.ingest.ensureGroup('bench');
  return bus;
}

/**
 * Ages one bus to `total` events, then measures windows alternately on a
 * brand-new bus and on the aged one (in alternating order, each after a full
 * collection), so both see the same machine noise (the host is shared); each
 * run's ratio is the median of the per-round ratios.
 */
async function run(): Promise<RunResult> {
  const started = Date.now();
  const aged = await freshBus();
  await cycle(aged, 0, total);
  let sequence = total;
  const fresh: number[] = [];
  const old: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 9; round++) {
    const measureFresh = async (): Promise<void> => {
      const bus = await freshBus();
      collect();
      fresh.push(await cycle(bus, 0, window));
      await bus.close();
    };
    const measureAged = async (): Promise<void> => {
      collect();
      old.push(await cycle(aged, sequence, window));
      sequence += window;
    };
    // Alternate which goes first, so neither always runs right after the other.
    if (round % 2 === 0) {
      await measureFresh();
      await measureAged();
    } else {
      await measureAged();
      await measureFresh();
    }
    ratios.push(old[old.length - 1] / fresh[fresh.length - 1]);
  }
  const backlog = await aged.ingest.trimAcknowledged();
  if (backlog.some((b) => b.entries !== 0)) throw new Error('acknowledged entries were not trimmed');
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  await aged.close();
  return { fresh: median(fresh), aged: median(old), ratio: median(ratios), heapMiB, seconds: (Date.now() - started) / 1000 };
}

// Warm the JIT on a throwaway bus, so "fresh" measures the data structures, not compilation.
{
  const warm = await freshBus();
  await cycle(warm, 0, window);
  await warm.close();
}

const results: RunResult[] = [];
for (let i = 0; i < runs; i++) {
  const result = await run();
  results.push(result);
  console.log(JSON.stringify({ bench: 'memory-bus-aging', run: i + 1, events: total, ...result }));
}
const m = (k: 'fresh' | 'aged' | 'ratio'): number => median(results.map((r) => r[k]));
console.log(`\nmemory bus, full cycle (append → group read → publish to 100 topics → ack/trim), batches of ${BATCH}, windows of ${window}, median of ${runs} runs`);
console.log('| bus | events/s |');
console.log('|---|---|');
console.log(`| fresh | ${Math.round(m('fresh'))} |`);
console.log(`| after ${total} events | ${Math.round(m('aged'))} |`);
console.log(`| ratio aged / fresh | ${m('ratio').toFixed(3)} |`);
