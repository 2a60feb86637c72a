/**
 * `npm run bench:gateway`: rt's gateway beside its peers and the limit
 * lines, in one run, against one redis-server started here on a free port.
 *
 * Every system runs as its own process pinned to CPU 0 (taskset, when the
 * machine has two or more CPUs); the load generator's clients run on the
 * others, all driven by the same load generator (bench/loadgen) and fed by
 * the same Redis. For each scenario and system: the median of `--runs` runs
 * of server CPU seconds per delivery (from /proc), latency p50/p99 from the
 * timestamp in each message, exact loss and duplicate counts, and RSS per
 * idle connection; then ratios to the limits. JSON at the end (and in --json).
 * "missing" counts deliveries owed but not received within the drain time
 * after the last publish: a saturated server that buffers without bound
 * shows up there, not as loss in the protocol sense.
 *
 *   npm run bench:gateway                     # the short default matrix
 *   npm run bench:gateway -- --full           # every rate, 10 000 and 19 000 clients
 *   npm run bench:gateway -- --runs 1 --systems rt,coalescing --scenarios rate-2000
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { io as socketIoClient } from 'socket.io-client';
import { freePort } from '../test/support/free-port.js';
import { startRedis } from '../test/support/redis-server.js';
import { resolveOptions, type ClientProtocol, type LoadOptions, type PublishMode } from './loadgen/options.js';
import { runLoad, type LoadResult } from './loadgen/run.js';

interface System {
  id: string;
  label: string;
  protocol: ClientProtocol;
  publish: PublishMode;
  /** Node arguments and environment of the server process. */
  command(port: number, redisUrl: string): { args: string[]; env?: Record<string, string> };
  path: string;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/**
 * The bench's clients come from a few loopback addresses, far more than the
 * default 200 connections per address an exposed gateway allows; this config
 * (limits only: development mode stays) lifts that bound for rt's runs.
 */
const RT_BENCH_CONFIG = join(tmpdir(), `rt-bench-gateway-${process.pid}.json`);
writeFileSync(RT_BENCH_CONFIG, JSON.stringify({ limits: { connectionsPerAddress: 20_000 } }));

const SYSTEMS: System[] = [
  {
    id: 'rt',
    label: 'rt (Redis)',
    protocol: 'rt',
    publish: 'bus',
    path: '/ws',
    command: (port, redisUrl) => ({
      args: [here('../bin/rt.js'), 'gateway'],
      env: { PORT: String(port), REDIS_URL: redisUrl, RT_KEY_PREFIX: 'bench', RT_DEMO: 'false', LOG_LEVEL: 'warn', RT_CONFIG: RT_BENCH_CONFIG },
    }),
  },
  { id: 'classic', label: 'classic ws + Redis', protocol: 'plain', publish: 'redis', path: '/', command: (port, redisUrl) => ({ args: [here('./peers/classic-ws.js'), '--port', String(port), '--redis', redisUrl] }) },
  { id: 'socketio', label: 'Socket.IO 4 + redis-adapter', protocol: 'socketio', publish: 'redis', path: '', command: (port, redisUrl) => ({ args: [here('./peers/socketio.js'), '--port', String(port), '--redis', redisUrl] }) },
  { id: 'preframed', label: 'pre-framed broadcast (limit)', protocol: 'plain', publish: 'redis', path: '/', command: (port, redisUrl) => ({ args: [here('./peers/bare-broadcast.js'), '--port', String(port), '--redis', redisUrl] }) },
  { id: 'coalescing', label: 'coalescing broadcast (limit)', protocol: 'plain', publish: 'redis', path: '/', command: (port, redisUrl) => ({ args: [here('./peers/bare-broadcast.js'), '--port', String(port), '--redis', redisUrl, '--coalesce'] }) },
];

interface Scenario {
  id: string;
  label: string;
  load: Partial<LoadOptions>;
  /** Systems this scenario runs on (default: all). */
  only?: string[];
}

const DEFAULT_SCENARIOS: Scenario[] = [
  { id: 'rate-50', label: '1 000 clients × 1 topic, 50 msg/s', load: { clients: 1000, topics: 1, rate: 50 } },
  { id: 'rate-200', label: '1 000 clients × 1 topic, 200 msg/s', load: { clients: 1000, topics: 1, rate: 200 } },
  { id: 'rate-2000', label: '1 000 clients × 1 topic, 2 000 msg/s', load: { clients: 1000, topics: 1, rate: 2000 } },
  { id: 'topics-100', label: '1 000 clients × 100 topics (5 each), 5 000 msg/s', load: { clients: 1000, topics: 100, subs: 5, rate: 5000 } },
];

const FULL_SCENARIOS: Scenario[] = [
  ...[100, 500, 1000].map((rate) => ({ id: `rate-${rate}`, label: `1 000 clients × 1 topic, ${rate} msg/s`, load: { clients: 1000, topics: 1, rate } })),
  { id: 'topics-100-1000', label: '1 000 clients × 100 topics (5 each), 1 000 msg/s', load: { clients: 1000, topics: 100, subs: 5, rate: 1000 } },
  { id: 'idle-10k-5', label: '10 000 idle clients × 5 topics (RSS)', load: { clients: 10_000, topics: 1000, subs: 5, rate: 1, duration: 1 } },
  { id: 'zipf-10k', label: '10 000 clients over 1 000 topics (Zipf), 5 000 msg/s', load: { clients: 10_000, topics: 1000, distribution: 'zipf', rate: 5000 } },
  { id: 'hold-19k', label: '19 000 clients, 1 update/s each', load: { clients: 19_000, topics: 1000, rate: 1000, workers: 2, sourceAddresses: 2, duration: 5 }, only: ['rt', 'coalescing'] },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function startServer(system: System, redisUrl: string, pin: boolean): Promise<{ child: ChildProcess; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const { args, env } = system.command(port, redisUrl);
  const [cmd, argv] = pin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${system.id} did not start:\n${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/listening|running/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${system.id} exited with ${code}:\n${out}`)));
  });
  child.stdout!.resume();
  return {
    child,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Checks that the Socket.IO peer is a real Socket.IO server, as its own
 * client sees it: socket.io-client subscribes and receives a published
 * message. The load generator speaks the same protocol from bare sockets.
 */
async function checkSocketIoPeer(port: number, redisUrl: string): Promise<void> {
  const socket = socketIoClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  const publisher = createClient({ url: redisUrl });
  await publisher.connect();
  try {
    const received = new Promise<unknown>((resolve) => socket.on('msg', resolve));
    await new Promise<void>((resolve) => {
      socket.once('subscribed', () => resolve());
      socket.emit('sub', ['selfcheck']);
    });
    await publisher.publish('selfcheck', JSON.stringify({ topic: 'selfcheck', ts: Date.now(), data: { seq: 0, sent: 0 } }));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('socket.io-client received nothing from the Socket.IO peer')), 5000).unref());
    const msg = (await Promise.race([received, timeout])) as { topic?: string };
    if (msg.topic !== 'selfcheck') throw new Error(`the Socket.IO peer sent ${JSON.stringify(msg)}`);
  } finally {
    socket.close();
    await publisher.quit();
  }
}

interface Cell {
  runs: LoadResult[];
  cpuPerDeliveryUs: number;
  p50: number;
  p99: number;
  lost: number;
  duplicates: number;
  rssPerIdleConnection: number;
  deliveriesPerSecond: number;
}

function summarize(runs: LoadResult[]): Cell {
  return {
    runs,
    cpuPerDeliveryUs: median(runs.map((r) => r.server!.cpuPerDeliveryUs)),
    p50: median(runs.map((r) => r.latencyMs.p50)),
    p99: median(runs.map((r) => r.latencyMs.p99)),
    lost: runs.reduce((n, r) => n + r.lost, 0),
    duplicates: runs.reduce((n, r) => n + r.duplicates, 0),
    rssPerIdleConnection: median(runs.map((r) => r.server!.rssPerIdleConnectionBytes)),
    deliveriesPerSecond: median(runs.map((r) => r.deliveriesPerSecond)),
  };
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(headers), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

/**
 * The summary in the shape of the gateway issue's table: one row per
 * question, one column per system; rows whose scenario did not run say so.
 */
function issueTable(results: Record<string, Record<string, Cell>>, systems: System[]): string {
  const cell = (scenario: string, system: string): Cell | undefined => results[scenario]?.[system];
  const us = (c: Cell | undefined): string => (c ? `${c.cpuPerDeliveryUs.toFixed(2)} µs` : '—');
  const ms = (n: number): string => `${Math.round(n)} ms`;
  const rates = Object.keys(results)
    .map((id) => /^rate-(\d+)$/.exec(id))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const rows: [string, (s: System) => string][] = [
    ['server CPU per delivery, 1 000 clients × 1 topic, 50 msg/s', (s) => us(cell('rate-50', s.id))],
    [
      `highest rate with p99 ≤ 100 ms (msg/s to 1 000 clients; tried ${rates.join(', ') || 'none'})`,
      (s) => {
        const ok = rates.filter((r) => (cell(`rate-${r}`, s.id)?.p99 ?? Infinity) <= 100);
        return ok.length ? String(ok[ok.length - 1]) : rates.length ? `< ${rates[0]}` : '—';
      },
    ],
    ['CPU per delivery at 2 000 msg/s (2 M deliveries/s offered)', (s) => us(cell('rate-2000', s.id))],
    ['1 000 clients × 100 topics, 5 000 msg/s: p99', (s) => (cell('topics-100', s.id) ? ms(cell('topics-100', s.id)!.p99) : '—')],
    ['same at 1 000 msg/s: CPU per delivery, p99', (s) => (cell('topics-100-1000', s.id) ? `${us(cell('topics-100-1000', s.id))}, ${ms(cell('topics-100-1000', s.id)!.p99)}` : '—')],
    [
      'RSS per idle connection (10 000 clients × 5 topics, else 1 000 × 1)',
      (s) => {
        const c = cell('idle-10k-5', s.id) ?? cell('rate-50', s.id);
        return c ? `${(c.rssPerIdleConnection / 1024).toFixed(1)} KB` : '—';
      },
    ],
    ['missing / duplicated deliveries, all runs', (s) => {
      const cells = Object.values(results).map((r) => r[s.id]).filter((c): c is Cell => c !== undefined);
      return `${cells.reduce((n, c) => n + c.lost, 0)} / ${cells.reduce((n, c) => n + c.duplicates, 0)}`;
    }],
  ];
  return table(['', ...systems.map((s) => s.label)], rows.map(([label, value]) => [label, ...systems.map(value)]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      systems: { type: 'string' },
      scenarios: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const runs = Number(values.runs ?? 3);
  const duration = Number(values.duration ?? 3);
  let scenarios = values.full ? [...DEFAULT_SCENARIOS, ...FULL_SCENARIOS] : DEFAULT_SCENARIOS;
  if (values.scenarios) scenarios = [...DEFAULT_SCENARIOS, ...FULL_SCENARIOS].filter((s) => values.scenarios!.split(',').includes(s.id));
  const systems = values.systems ? SYSTEMS.filter((s) => values.systems!.split(',').includes(s.id)) : SYSTEMS;
  const pin = availableParallelism() >= 2 && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  log(`${systems.length} systems × ${scenarios.length} scenarios × ${runs} runs; server ${pin ? 'on CPU 0, clients on the others' : 'not pinned (one CPU or no taskset)'}`);

  const redis = await startRedis();
  const results: Record<string, Record<string, Cell>> = {};
  try {
    for (const scenario of scenarios) {
      results[scenario.id] = {};
      for (const system of systems) {
        if (scenario.only && !scenario.only.includes(system.id)) continue;
        const done: LoadResult[] = [];
        for (let run = 0; run < runs; run++) {
          const server = await startServer(system, redis.url, pin);
          try {
            if (system.id === 'socketio' && run === 0) await checkSocketIoPeer(server.port, redis.url);
            await sleep(300);
            const options = resolveOptions({
              duration,
              settle: 0.5,
              drain: 2,
              ...scenario.load,
              url: `ws://127.0.0.1:${server.port}${system.path}`,
              protocol: system.protocol,
              publish: system.publish,
              redisUrl: redis.url,
              keyPrefix: 'bench',
              serverPid: server.child.pid!,
              cpus: pin ? `1-${availableParallelism() - 1}` : null,
              seed: run + 1,
            });
            const result = await runLoad(options);
            done.push(result);
            log(
              `${scenario.id} ${system.id} #${run + 1}: ${result.server!.cpuPerDeliveryUs} µs/delivery, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
                `${result.delivered}/${result.expected} delivered, lost ${result.lost}, dup ${result.duplicates}, ${result.server!.rssPerIdleConnectionBytes} B/idle conn`,
            );
          } finally {
            await server.stop();
          }
        }
        results[scenario.id][system.id] = summarize(done);
      }
    }
  } finally {
    await redis.stop();
  }

  const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
  for (const scenario of scenarios) {
    const cells = results[scenario.id];
    const present = systems.filter((s) => cells[s.id]);
    const pre = cells.preframed;
    const coal = cells.coalescing;
    const rows = present.map((s) => {
      const c = cells[s.id];
      return [
        s.label,
        fmt(c.cpuPerDeliveryUs),
        pre ? fmt(c.cpuPerDeliveryUs / pre.cpuPerDeliveryUs) : '—',
        coal ? fmt(c.cpuPerDeliveryUs / coal.cpuPerDeliveryUs) : '—',
        fmt(c.p50, 1),
        fmt(c.p99, 1),
        pre ? fmt(c.p99 / pre.p99) : '—',
        `${c.lost} / ${c.duplicates}`,
        String(c.deliveriesPerSecond),
        fmt(c.rssPerIdleConnection / 1024, 1),
      ];
    });
    process.stdout.write(`\n${scenario.label} (medians of ${runs})\n`);
    process.stdout.write(
      table(['system', 'CPU µs/delivery', '× pre-framed', '× coalescing', 'p50 ms', 'p99 ms', 'p99 × pre-framed', 'missing / dup', 'deliveries/s', 'RSS KB/idle conn'], rows) + '\n',
    );
  }
  process.stdout.write('\n' + issueTable(results, systems) + '\n');
  const json = JSON.stringify({ date: new Date().toISOString(), runs, duration, pinned: pin, results }, null, 1);
  if (values.json) writeFileSync(values.json, json + '\n');
  process.stdout.write('\n' + JSON.stringify({ date: new Date().toISOString(), runs, duration, pinned: pin, summary: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([sk, c]) => [sk, { ...c, runs: undefined }]))])) }) + '\n');
}

await main();
