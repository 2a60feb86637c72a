/**
 * Reconnect storms, side by side in one run: N clients running the widgets'
 * real connection manager (bundled for Node, sockets from `ws`) on a real
 * gateway process over a real Redis. The gateway goes down for `--down-ms`
 * while every topic gets `--missed` new messages, then starts again on the
 * same port:
 *
 * - `spread`: SIGTERM; the gateway closes every socket with 1001 naming its
 *   spread window (RT_RECONNECT_SPREAD_MS), and clients come back at a
 *   random time within it;
 * - `backoff`: SIGKILL; clients see 1006 and follow their exponential
 *   backoff (base 500 ms, cap 30 s), as every client did before the window.
 *
 * Times are from the new gateway printing that it listens to each client
 * being open again and holding its topic's newest message; the gateway's
 * event-loop delay is its own (perf_hooks.monitorEventLoopDelay, /healthz).
 *
 *   npm run build && node dist/bench/reconnect-storm.js [--clients 5000] [--topics 100] [--spread-ms 3000] [--down-ms 2000] [--runs 1]
 *
 * Prints one JSON line per storm and a table of medians with the ratio.
 */
import { parseArgs } from 'node:util';
import { startRedis } from '../test/support/redis-server.js';
import { runStorm, type StormResult } from '../test/support/reconnect-storm.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    topics: { type: 'string', default: '100' },
    'spread-ms': { type: 'string', default: '3000' },
    'down-ms': { type: 'string', default: '2000' },
    missed: { type: 'string', default: '5' },
    runs: { type: 'string', default: '1' },
  },
});
const clients = Number(values.clients);
const topics = Number(values.topics);
const spreadMs = Number(values['spread-ms']);
const downMs = Number(values['down-ms']);
const missed = Number(values.missed);
const runs = Number(values.runs);
for (const [name, value] of Object.entries({ clients, topics, spreadMs, downMs, missed, runs })) {
  if (!Number.isInteger(value) || value < (name === 'downMs' || name === 'spreadMs' ? 0 : 1)) {
    console.error(`reconnect-storm: ${name} must be a positive integer, got ${String(value)}`);
    process.exit(2);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const redis = await startRedis();
const results: Record<'spread' | 'backoff', StormResult[]> = { spread: [], backoff: [] };
try {
  for (let run = 0; run < runs; run++) {
    for (const mode of ['spread', 'backoff'] as const) {
      const result = await runStorm({ clients, topics, spreadMs, downMs, missed, deadlineMs: 60_000, shutdown: mode === 'spread' ? 'graceful' : 'kill', redis });
      results[mode].push(result);
      console.log(JSON.stringify({ run, mode, ...result }));
    }
  }
} finally {
  await redis.stop();
}

const row = (mode: 'spread' | 'backoff') => {
  const rs = results[mode];
  return {
    mode,
    'back p50 ms': median(rs.map((r) => r.backMs.p50)),
    'back max ms': median(rs.map((r) => r.backMs.max)),
    'caught up p99 ms': median(rs.map((r) => r.caughtUpMs.p99)),
    'caught up max ms': median(rs.map((r) => r.caughtUpMs.max)),
    'not caught up': median(rs.map((r) => r.notCaughtUp)),
    lost: median(rs.map((r) => r.lost)),
    duplicates: median(rs.map((r) => r.duplicates)),
    'gw loop delay p99 ms': median(rs.map((r) => r.gatewayEventLoopDelayMs.p99)),
    'gw loop delay max ms': median(rs.map((r) => r.gatewayEventLoopDelayMs.max)),
  };
};
const table = [row('spread'), row('backoff')];
console.table(table);
console.log(`caught up (max) with the spread window in ${(table[0]['caught up max ms'] / table[1]['caught up max ms']).toFixed(2)}× the time of backoff alone (${clients} clients, ${topics} topics, down ${downMs} ms, medians of ${runs} run(s))`);
