/**
 * Options of the load generator: one schema, read from flags, each error
 * naming the flag and carrying a code (LOADGEN_BAD_OPTION).
 */
import { parseArgs } from 'node:util';

/** How a simulated client speaks to the server under test. */
export type ClientProtocol = 'rt' | 'socketio' | 'plain';
/** How messages reach the server: rt's ingest API, rt's Redis bus, or a bare Redis PUBLISH. */
export type PublishMode = 'ingest' | 'bus' | 'redis';

export interface LoadOptions {
  /** WebSocket URL of the server under test. */
  url: string;
  protocol: ClientProtocol;
  clients: number;
  topics: number;
  /** Distinct topics each client subscribes to. */
  subs: number;
  distribution: 'uniform' | 'zipf';
  zipfExponent: number;
  /** Messages per second over all topics (spread evenly over them). */
  rate: number;
  /** Seconds of publishing. */
  duration: number;
  /** Seconds between the last subscription and the first publish (idle; RSS is read then). */
  settle: number;
  workers: number;
  /** Loopback source addresses to spread connections over (127.0.0.1 … 127.0.0.N); 0 = none given. */
  sourceAddresses: number;
  /** Simultaneous connection attempts per worker. */
  connectConcurrency: number;
  publish: PublishMode;
  ingestUrl: string;
  redisUrl: string | null;
  keyPrefix: string;
  /** Bytes of padding in each message. */
  payloadBytes: number;
  /** Milliseconds between publisher batches. */
  publishTickMs: number;
  /** Local pid of the server, for CPU seconds and RSS from /proc. */
  serverPid: number | null;
  /** CPU list for the client workers (taskset -c), or null. */
  cpus: string | null;
  /** Write the JSON result here ('-' for stdout only). */
  json: string | null;
  /** Seconds to wait after publishing for the last deliveries. */
  drain: number;
  seed: number;
  /** Token presented in an `auth` frame before subscribing (rt with tenants), or null. */
  token: string | null;
  /** An rt gateway's /metrics URL: its CPU seconds and messages sent are read before and after (remote servers). */
  metricsUrl: string | null;
}

export class LoadOptionError extends Error {
  readonly code = 'LOADGEN_BAD_OPTION';
}

export const LOAD_DEFAULTS: LoadOptions = {
  url: 'ws://127.0.0.1:8080/ws',
  protocol: 'rt',
  clients: 1000,
  topics: 10,
  subs: 1,
  distribution: 'uniform',
  zipfExponent: 1,
  rate: 100,
  duration: 10,
  settle: 1,
  workers: 0,
  sourceAddresses: 0,
  connectConcurrency: 200,
  publish: 'ingest',
  ingestUrl: '',
  redisUrl: null,
  keyPrefix: 'rt',
  payloadBytes: 0,
  publishTickMs: 10,
  serverPid: null,
  cpus: null,
  json: null,
  drain: 5,
  seed: 1,
  token: null,
  metricsUrl: null,
};

/** Connections one worker process may hold: the per-process open-file limit is 20 000. */
export const MAX_CLIENTS_PER_WORKER = 19_000;
/** Connections per loopback source address, well inside the ephemeral port range. */
export const CLIENTS_PER_SOURCE_ADDRESS = 25_000;

function int(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new LoadOptionError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function num(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new LoadOptionError(`--${name} must be a number ≥ ${min}, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new LoadOptionError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** Completes options: defaults that depend on others, and checks across options. */
export function resolveOptions(partial: Partial<LoadOptions>): LoadOptions {
  const o: LoadOptions = { ...LOAD_DEFAULTS, ...partial };
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new LoadOptionError(`--url must be a ws:// or wss:// URL, got "${o.url}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new LoadOptionError(`--url must be a ws:// or wss:// URL, got "${o.url}"`);
  if (o.subs > o.topics) throw new LoadOptionError(`--subs (${o.subs}) cannot exceed --topics (${o.topics})`);
  if (o.workers === 0) o.workers = Math.max(1, Math.ceil(o.clients / 15_000));
  if (Math.ceil(o.clients / o.workers) > MAX_CLIENTS_PER_WORKER) {
    throw new LoadOptionError(`--workers ${o.workers} would put more than ${MAX_CLIENTS_PER_WORKER} connections in one process (open-file limit); use at least ${Math.ceil(o.clients / MAX_CLIENTS_PER_WORKER)}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (o.sourceAddresses === 0 && loopback) o.sourceAddresses = Math.ceil(o.clients / CLIENTS_PER_SOURCE_ADDRESS);
  if (o.sourceAddresses > 1 && !loopback) throw new LoadOptionError('--source-addresses needs a loopback --url (127.0.0.1)');
  if (o.token === null && process.env.RT_TOKEN) o.token = process.env.RT_TOKEN;
  if (o.token !== null && o.protocol !== 'rt') throw new LoadOptionError('--token is for --protocol rt');
  if (o.ingestUrl === '') o.ingestUrl = `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
  if ((o.publish === 'bus' || o.publish === 'redis') && !o.redisUrl) throw new LoadOptionError(`--publish ${o.publish} needs --redis-url`);
  return o;
}

/** Parses command-line flags (see `npm run loadgen -- --help`). */
export function parseLoadArgs(argv: string[]): LoadOptions | 'help' {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries([...FLAGS.map((f) => [f.flag, { type: 'string' as const }]), ['help', { type: 'boolean' as const, short: 'h' }]]),
    }));
  } catch (error) {
    throw new LoadOptionError((error as Error).message.split('\n')[0]);
  }
  if (values.help) return 'help';
  const partial: Partial<LoadOptions> = {};
  for (const f of FLAGS) {
    const raw = values[f.flag];
    if (typeof raw === 'string') (partial as Record<string, unknown>)[f.key] = f.parse(raw);
  }
  return resolveOptions(partial);
}

interface Flag {
  flag: string;
  key: keyof LoadOptions;
  doc: string;
  parse(raw: string): unknown;
}

const FLAGS: Flag[] = [
  { flag: 'url', key: 'url', doc: 'WebSocket URL of the server under test', parse: (r) => r },
  { flag: 'protocol', key: 'protocol', doc: 'rt | socketio | plain', parse: (r) => oneOf('protocol', r, ['rt', 'socketio', 'plain']) },
  { flag: 'clients', key: 'clients', doc: 'connections to open', parse: (r) => int('clients', r, 1, 1_000_000) },
  { flag: 'topics', key: 'topics', doc: 'topics in play', parse: (r) => int('topics', r, 1, 1_000_000) },
  { flag: 'subs', key: 'subs', doc: 'distinct topics per client', parse: (r) => int('subs', r, 1, 100) },
  { flag: 'distribution', key: 'distribution', doc: 'topic popularity: uniform | zipf', parse: (r) => oneOf('distribution', r, ['uniform', 'zipf']) },
  { flag: 'zipf-exponent', key: 'zipfExponent', doc: 'exponent s of the Zipf law', parse: (r) => num('zipf-exponent', r, 0) },
  { flag: 'rate', key: 'rate', doc: 'messages per second, all topics together', parse: (r) => num('rate', r, 0) },
  { flag: 'duration', key: 'duration', doc: 'seconds of publishing', parse: (r) => num('duration', r, 0.1) },
  { flag: 'settle', key: 'settle', doc: 'idle seconds after subscribing, before publishing', parse: (r) => num('settle', r, 0) },
  { flag: 'drain', key: 'drain', doc: 'seconds to wait for the last deliveries', parse: (r) => num('drain', r, 0) },
  { flag: 'workers', key: 'workers', doc: 'client processes (default: one per 15 000 clients)', parse: (r) => int('workers', r, 1, 256) },
  { flag: 'source-addresses', key: 'sourceAddresses', doc: 'loopback source addresses 127.0.0.1..N (default: one per 25 000 clients)', parse: (r) => int('source-addresses', r, 1, 254) },
  { flag: 'connect-concurrency', key: 'connectConcurrency', doc: 'simultaneous handshakes per worker', parse: (r) => int('connect-concurrency', r, 1, 10_000) },
  { flag: 'publish', key: 'publish', doc: 'ingest (POST /v1/events) | bus (rt on Redis) | redis (bare PUBLISH)', parse: (r) => oneOf('publish', r, ['ingest', 'bus', 'redis']) },
  { flag: 'ingest-url', key: 'ingestUrl', doc: 'ingest base URL (default: the --url host over http)', parse: (r) => r },
  { flag: 'redis-url', key: 'redisUrl', doc: 'Redis for --publish bus|redis', parse: (r) => r },
  { flag: 'key-prefix', key: 'keyPrefix', doc: 'rt key prefix for --publish bus', parse: (r) => r },
  { flag: 'payload-bytes', key: 'payloadBytes', doc: 'padding bytes per message', parse: (r) => int('payload-bytes', r, 0, 60_000) },
  { flag: 'publish-tick-ms', key: 'publishTickMs', doc: 'ms between publisher batches', parse: (r) => int('publish-tick-ms', r, 1, 1000) },
  { flag: 'server-pid', key: 'serverPid', doc: 'pid of a local server: CPU seconds and RSS from /proc', parse: (r) => int('server-pid', r, 1) },
  { flag: 'cpus', key: 'cpus', doc: 'pin client workers to these CPUs (taskset -c)', parse: (r) => r },
  { flag: 'json', key: 'json', doc: 'write the JSON result to this file', parse: (r) => r },
  { flag: 'seed', key: 'seed', doc: 'seed of the topic assignment', parse: (r) => int('seed', r, 0) },
  { flag: 'metrics-url', key: 'metricsUrl', doc: "an rt gateway's /metrics: server CPU per delivery for a remote gateway", parse: (r) => r },
  { flag: 'token', key: 'token', doc: 'token for an rt auth frame (tenants with auth); also RT_TOKEN', parse: (r) => r },
];

/** The flag list, for --help. */
export function loadUsage(): string {
  return [
    'Usage: rt loadgen [options]   (in a checkout: npm run loadgen -- [options])',
    '',
    'Opens protocol-speaking WebSocket clients over several worker processes, subscribes them',
    'to topics, publishes numbered, timestamped messages, and reports delivery latency and exact',
    'loss and duplicate counts. See docs/operations.md ("Load testing a deployment").',
    '',
    ...FLAGS.map((f) => `  --${f.flag.padEnd(22)} ${f.doc} [default: ${String(LOAD_DEFAULTS[f.key] === '' ? 'derived' : LOAD_DEFAULTS[f.key] === 0 ? 'auto' : LOAD_DEFAULTS[f.key])}]`),
  ].join('\n');
}
