/**
 * Measures what a flooding client does to a well-behaved client's latency,
 * against a running gateway: one subscriber posts messages through ingest at
 * a steady rate and times each one to its socket, while one flooder process
 * (test/support/flooder.ts) is let loose and stopped again (SIGCONT /
 * SIGSTOP) in short alternating rounds, quiet–flooded then flooded–quiet, so
 * that whatever else loads the machine meanwhile falls on both kinds of round
 * alike. Used by the flooding test and by bench/flood.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestClient } from './ws-client.js';

const FLOODER = fileURLToPath(new URL('./flooder.js', import.meta.url));

export interface FloodRoundsOptions {
  /** Messages per second the well-behaved client times. */
  rate: number;
  /** Length of each round, in ms (messages sent in its first `settleMs` are not counted). */
  roundMs: number;
  /** Quiet/flooded pairs. */
  pairs: number;
  /** Time after each switch before messages count, in ms (default 200). */
  settleMs?: number;
  /** Run the flooder under `taskset -c <cpus>` (e.g. "1"), off the gateway's core. */
  flooderCpus?: string;
  /** Control run: the flooder is never let loose, so both kinds of round are quiet (the noise floor of the ratio). */
  control?: boolean;
}

export interface FloodRounds {
  /** Latencies (ms) of each quiet round, in order. */
  quiet: number[][];
  /** Latencies (ms) of each flooded round, in order. */
  flooded: number[][];
  /** One line per flooder connection: frames sent so far and the close code. */
  flooderCloses: { sent: number; code: number }[];
}

/** Nearest-rank percentile. */
export function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))];
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the rounds against the gateway and ingest on `port` (development mode: no keys). */
export async function floodRounds(port: number, options: FloodRoundsOptions): Promise<FloodRounds> {
  const settleMs = options.settleMs ?? 200;
  const topic = `flood.rounds.${Date.now().toString(36)}`;
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  client.send({ op: 'sub', topics: [{ topic, snapshot: 0 }] });
  await client.until(() => client.frameOf('subscribed').length === 1);
  // Which round each message belongs to (null: sent while settling), by its value.
  const roundOf: (number | null)[] = [];
  const latencies: number[][] = Array.from({ length: options.pairs * 2 }, () => []);
  let received = 0;
  client.ws.on('message', (data) => {
    const now = Date.now();
    const frame = JSON.parse(String(data));
    if (frame.op !== 'msgs') return;
    for (const m of frame.msgs) {
      if (m.topic !== topic) continue;
      received++;
      const round = roundOf[m.value];
      if (round !== null && round !== undefined) latencies[round].push(now - m.ts);
    }
  });

  const [command, args] = options.flooderCpus ? ['taskset', ['-c', options.flooderCpus, process.execPath, FLOODER]] : [process.execPath, [FLOODER]];
  const flooder = spawn(command, [...args, `ws://127.0.0.1:${port}/ws`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  flooder.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  // The flooder's first connection, then it waits (stopped) for its first round.
  await sleep(500);
  flooder.kill('SIGSTOP');
  let flooding = false;
  const setFlooding = (on: boolean): void => {
    if (options.control) return;
    if (on !== flooding) flooder.kill(on ? 'SIGCONT' : 'SIGSTOP');
    flooding = on;
  };

  let sent = 0;
  try {
    for (let pair = 0; pair < options.pairs; pair++) {
      // Quiet first in even pairs, flooded first in odd ones: a drift in the machine's load cancels out.
      const order = pair % 2 === 0 ? [false, true] : [true, false];
      for (const flood of order) {
        setFlooding(flood);
        const round = pair * 2 + (flood ? 1 : 0);
        const started = Date.now();
        const perRound = Math.round((options.roundMs * options.rate) / 1000);
        for (let i = 0; i < perRound; i++) {
          const due = started + (i * 1000) / options.rate;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          const value = sent++;
          roundOf[value] = Date.now() - started < settleMs ? null : round;
          const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ topic, value, ts: Date.now() }) });
          if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        }
      }
    }
    setFlooding(false);
    await client.until(() => received >= sent, 10_000, `all ${sent} messages`);
  } finally {
    flooder.kill('SIGKILL');
    client.close();
  }
  return {
    quiet: latencies.filter((_, i) => i % 2 === 0),
    flooded: latencies.filter((_, i) => i % 2 === 1),
    flooderCloses: log
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sent: number; code: number }),
  };
}
