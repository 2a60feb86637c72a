/**
 * How much a client flooding frames moves a well-behaved client's latency:
 * a real `rt start` (development mode, default limits), the rounds of
 * test/support/flood-rounds.ts run several times, and per run the ratio of
 * the flooded rounds' p99 to the quiet rounds' p99, two ways: the median of
 * the per-round p99s, and the p99 of all samples pooled.
 *
 *   node dist/bench/flood.js [--runs 5] [--rate 200] [--round-ms 1500] [--pairs 6] [--pin] [--control] [--frames-per-second N]
 *
 * `--pin` runs the gateway on CPU 0 and the flooder on CPU 1 (taskset), as a
 * remote flooder's CPU would be elsewhere. `--control` never lets the
 * flooder loose: both kinds of round are quiet, and the ratios show the
 * noise floor of the measurement on this machine. `--frames-per-second N`
 * sets the frame limit (and burst) to N: 100000 takes it out of the way, to
 * see what the limit prevents. Prints one line per run, then the
 * medians over runs, and the machine's load average.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/free-port.js';
import { floodRounds, median, percentile } from '../test/support/flood-rounds.js';
import { startRt } from '../test/support/rt-process.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    rate: { type: 'string', default: '200' },
    'round-ms': { type: 'string', default: '1500' },
    pairs: { type: 'string', default: '6' },
    pin: { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
    'frames-per-second': { type: 'string' },
  },
});
const runs = Number(values.runs);
const options = { rate: Number(values.rate), roundMs: Number(values['round-ms']), pairs: Number(values.pairs), flooderCpus: values.pin ? '1' : undefined, control: values.control };

const port = await freePort();
let configArgs: string[] = [];
if (values['frames-per-second'] !== undefined) {
  // The frame limit raised out of the way: what the flooder does to an unprotected gateway.
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'rt-flood-')), 'rt.config.json');
  const n = Number(values['frames-per-second']);
  writeFileSync(file, JSON.stringify({ limits: { framesPerSecond: n, frameBurst: n } }));
  configArgs = ['--config', file];
}
const rt = await startRt('start', ['--port', String(port), '--no-demo', ...configArgs], {});
if (values.pin) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(rt.child.pid)]);
}
const byMedian: number[] = [];
const byPool: number[] = [];
try {
  process.stdout.write(`flood bench: ${JSON.stringify(options)}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  for (let run = 0; run < runs; run++) {
    const r = await floodRounds(port, options);
    const quietP99s = r.quiet.map((xs) => percentile(xs, 0.99));
    const floodP99s = r.flooded.map((xs) => percentile(xs, 0.99));
    const mq = median(quietP99s);
    const mf = median(floodP99s);
    const pq = percentile(r.quiet.flat(), 0.99);
    const pf = percentile(r.flooded.flat(), 0.99);
    byMedian.push(mf / Math.max(1, mq));
    byPool.push(pf / Math.max(1, pq));
    const closes = r.flooderCloses;
    process.stdout.write(
      `run ${run + 1}: per-round p99 quiet [${quietP99s.join(' ')}] flooded [${floodP99s.join(' ')}] ms; ` +
        `median ${mq} vs ${mf} (${(mf / Math.max(1, mq)).toFixed(2)}x); pooled p99 ${pq} vs ${pf} (${(pf / Math.max(1, pq)).toFixed(2)}x); ` +
        `flooder ${closes.length} connections, ${closes.reduce((a, c) => a + c.sent, 0)} frames, codes ${[...new Set(closes.map((c) => c.code))].join(',')}\n`,
    );
  }
  process.stdout.write(`median over ${runs} runs: ${median(byMedian).toFixed(2)}x (median of per-round p99s), ${median(byPool).toFixed(2)}x (pooled p99); worst ${Math.max(...byMedian).toFixed(2)}x / ${Math.max(...byPool).toFixed(2)}x; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
} finally {
  await rt.kill('SIGKILL');
}
