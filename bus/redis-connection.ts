/**
 * Creates node-redis clients for the bus from a REDIS_URL, with a reconnect
 * policy that says what it is doing instead of throwing stack traces.
 */
import type { DeadlineOptions } from './command-deadline.js';
import { createClient, createCluster } from 'redis';

/** Minimal logger the bus writes to (pino's shape). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

function build(url: string, reconnectStrategy: (retries: number, cause: Error) => number) {
  // RESP2 keeps raw replies as plain arrays, which the bus parses itself.
  return createClient({ url, RESP: 2, socket: { connectTimeout: 5000, reconnectStrategy } });
}

export type RedisClient = ReturnType<typeof build>;

/** Delay before reconnect attempt `retries` (ms): 100 ms doubling to 5 s. */
export function reconnectDelay(retries: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(retries, 6));
}

/** Describes a URL for logs without its password. */
export function redactUrl(url: string): string {
  if (/^rediss?\+sentinel:/i.test(url) || url.includes(',')) return url.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/**
 * Creates a client (not yet connected). Connection failures are logged once
 * per attempt with the delay before the next one; the client keeps retrying
 * until closed.
 */
export function createRedisClient(url: string, log: BusLogger, role: string): RedisClient {
  const where = redactUrl(url);
  const client = build(url, (retries, cause) => {
    const delay = reconnectDelay(retries);
    log.warn({ redis: where, role, attempt: retries + 1, retryInMs: delay, error: cause?.message }, `Redis at ${where} unreachable (${cause?.message ?? 'unknown error'}); retrying in ${delay} ms`);
    return delay;
  });
  // Without a listener node-redis would throw 'error' events; the reconnect
  // strategy above already reports every failure.
  client.on('error', () => {});
  client.on('ready', () => log.info({ redis: where, role }, `connected to Redis at ${where}`));
  return client;
}

/** What the roles send commands through: a client, or a Redis Cluster routed by each command's key. */
export interface RedisCommands {
  /** `options`: node-redis command options (the broker's shared queue deadlines, see command-deadline.ts). */
  sendCommand(args: string[], options?: DeadlineOptions): Promise<unknown>;
}

/**
 * The bus's connection to its current Redis: the command connection, and
 * the URL further connections (blocking reads, Pub/Sub) are opened to. With
 * Sentinel both change when the master does; with a Cluster `cluster` is
 * set and commands are routed by their key. The roles read them through
 * this holder.
 */
export interface RedisLink {
  /** Standalone (or Sentinel master) command client; null with a Cluster. */
  client: RedisClient | null;
  cluster: RedisClusterClient | null;
  commands: RedisCommands;
  url: string;
}

function buildCluster(rootUrls: string[], reconnectStrategy: (retries: number, cause: Error) => number) {
  // Discovered nodes take their connection settings from `defaults`, not from
  // the root URLs: credentials and TLS of the first URL apply to all.
  const first = new URL(rootUrls[0]);
  return createCluster({
    rootNodes: rootUrls.map((url) => ({ url })),
    defaults: {
      username: first.username ? decodeURIComponent(first.username) : undefined,
      password: first.password ? decodeURIComponent(first.password) : undefined,
      socket: { connectTimeout: 5000, reconnectStrategy, ...(first.protocol === 'rediss:' ? { tls: true as const } : {}) },
    },
    RESP: 2,
  });
}

export type RedisClusterClient = ReturnType<typeof buildCluster>;

/** Creates a Cluster client (not yet connected) from seed node URLs; node failures are logged like a client's. */
export function createRedisCluster(rootUrls: string[], log: BusLogger, role: string): RedisClusterClient {
  const where = rootUrls.map(redactUrl).join(',');
  const cluster = buildCluster(rootUrls, (retries, cause) => {
    const delay = reconnectDelay(retries);
    log.warn({ redis: where, role, attempt: retries + 1, retryInMs: delay, error: cause?.message }, `a Redis Cluster node is unreachable (${cause?.message ?? 'unknown error'}); retrying in ${delay} ms`);
    return delay;
  });
  cluster.on('error', () => {});
  cluster.on('node-error', () => {});
  return cluster;
}

/**
 * The key a command is routed by in a Cluster: the first key of a script,
 * the first stream of XREAD/XREADGROUP, the stream of XGROUP, else the
 * first argument. Every command the bus sends names its key there.
 */
export function routingKey(args: readonly string[]): string | undefined {
  switch (args[0]) {
    case 'EVALSHA':
    case 'EVAL':
      return args[2] === '0' ? undefined : args[3];
    case 'XREAD':
    case 'XREADGROUP':
      return args[args.indexOf('STREAMS') + 1];
    case 'XGROUP':
      return args[2];
    default:
      return args[1];
  }
}

/** Commands over a Cluster client, each routed to the master of its key's slot. */
export function clusterCommands(cluster: RedisClusterClient): RedisCommands {
  return { sendCommand: (args, options) => cluster.sendCommand(routingKey(args), false, args, options) };
}
