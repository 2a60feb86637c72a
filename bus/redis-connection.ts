/**
 * Creates node-redis clients for the bus from a REDIS_URL, with a reconnect
 * policy that says what it is doing instead of throwing stack traces.
 */
import { createClient } from 'redis';

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

/**
 * The bus's connection to its current Redis: the command client and the URL
 * further connections (blocking reads, Pub/Sub) are opened to. With Sentinel
 * both change when the master does; the roles read them through this holder.
 */
export interface RedisLink {
  client: RedisClient;
  url: string;
}
