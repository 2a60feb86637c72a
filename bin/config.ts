import { parseRedisAddress } from '../bus/redis-address.js';
import { DEFAULT_RETENTION_TEXT, parseRetentionRules, type RetentionRule } from '../bus/retention.js';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION } from '../protocol/index.js';

/**
 * Configuration: one schema, read in one place. Every key can be set by an
 * environment variable or a command-line flag (the flag wins). Defaults and
 * meanings are documented in docs/configuration.md; errors name the key.
 */

export interface Config {
  port: number;
  host: string;
  redisUrl: string | null;
  /** Replicas that must confirm each ingest append (WAIT); null = 1 with Sentinel, else 0. */
  redisWaitReplicas: number | null;
  redisWaitTimeoutMs: number;
  partitions: number;
  keyPrefix: string;
  historyMaxLen: number;
  historyRetention: RetentionRule[];
  ingestMaxLen: number;
  ingestMaxAgeMs: number;
  idempotencyWindowMs: number;
  maxBodyBytes: number;
  heartbeatMs: number;
  maxSubscriptions: number;
  maxBufferedBytes: number;
  stallTimeoutMs: number;
  maxReplay: number;
  allowedOrigins: string[];
  /** Accept WebSockets on /ws (off leaves only the SSE fallback, to try it). */
  webSocket: boolean;
  /** Reconnect spread window named in 1001/1012 closes, in ms. */
  reconnectSpreadMs: number;
  demo: boolean;
  ingestUrl: string | null;
  logLevel: string;
  processorName: string | null;
  leaseTtlMs: number;
  configFile: string | null;
}

type Kind = 'port' | 'int' | 'string' | 'url' | 'http-url' | 'list' | 'bool' | 'level' | 'retention';

interface KeySpec {
  key: keyof Config;
  env: string;
  flag: string;
  kind: Kind;
  min?: number;
  max?: number;
  doc: string;
}

/** The schema; order is the order of `rt --help`. */
export const CONFIG_KEYS: readonly KeySpec[] = [
  { key: 'port', env: 'PORT', flag: 'port', kind: 'port', doc: 'HTTP port (0 picks a free one)' },
  { key: 'host', env: 'HOST', flag: 'host', kind: 'string', doc: 'interface to listen on' },
  { key: 'redisUrl', env: 'REDIS_URL', flag: 'redis', kind: 'url', doc: 'redis://host:port (standalone or any Cluster node), redis://host:port,host:port (Cluster seeds) or redis+sentinel://host:port[,host:port]/master-name; unset = in-memory bus (rt start only)' },
  { key: 'redisWaitReplicas', env: 'RT_REDIS_WAIT_REPLICAS', flag: 'redis-wait-replicas', kind: 'int', min: 0, doc: 'Redis replicas that must confirm each ingest append before it is acknowledged (WAIT); default 1 with Sentinel, 0 otherwise' },
  { key: 'redisWaitTimeoutMs', env: 'RT_REDIS_WAIT_TIMEOUT_MS', flag: 'redis-wait-timeout-ms', kind: 'int', min: 1, doc: 'how long an append waits for those replicas before ingest answers 503' },
  { key: 'partitions', env: 'RT_PARTITIONS', flag: 'partitions', kind: 'int', min: 1, doc: 'ingest stream partitions (same on every service)' },
  { key: 'keyPrefix', env: 'RT_KEY_PREFIX', flag: 'key-prefix', kind: 'string', doc: 'prefix of every Redis key' },
  { key: 'historyMaxLen', env: 'RT_HISTORY_MAXLEN', flag: 'history-maxlen', kind: 'int', min: 1, doc: 'hard cap of messages per topic history, above any retention rule' },
  { key: 'historyRetention', env: 'RT_HISTORY_RETENTION', flag: 'history-retention', kind: 'retention', doc: 'history kept per topic pattern, at least <messages> or <duration>, whichever keeps more: "api.*=50000/30m, *=10000/10m"' },
  { key: 'ingestMaxLen', env: 'RT_INGEST_MAXLEN', flag: 'ingest-maxlen', kind: 'int', min: 1, doc: 'unprocessed entries per ingest partition before ingest answers 503 for its events (nothing unprocessed is ever trimmed)' },
  { key: 'ingestMaxAgeMs', env: 'RT_INGEST_MAX_AGE_MS', flag: 'ingest-max-age-ms', kind: 'int', min: 0, doc: 'age of the oldest unprocessed entry of a partition before ingest answers 503 for its events; 0 = no age bound' },
  { key: 'idempotencyWindowMs', env: 'RT_IDEMPOTENCY_WINDOW_MS', flag: 'idempotency-window-ms', kind: 'int', min: 1000, doc: 'how long ingest remembers an Idempotency-Key or event id, so a retry appends nothing twice' },
  { key: 'maxBodyBytes', env: 'RT_MAX_BODY_BYTES', flag: 'max-body-bytes', kind: 'int', min: 1, doc: 'largest ingest request body' },
  { key: 'heartbeatMs', env: 'RT_HEARTBEAT_MS', flag: 'heartbeat-ms', kind: 'int', min: 100, doc: 'WebSocket ping interval; a silent socket is dropped after one' },
  { key: 'maxSubscriptions', env: 'RT_MAX_SUBSCRIPTIONS', flag: 'max-subscriptions', kind: 'int', min: 1, max: MAX_SUBSCRIPTIONS_PER_CONNECTION, doc: 'topics per connection' },
  { key: 'maxBufferedBytes', env: 'RT_MAX_BUFFERED_BYTES', flag: 'max-buffered-bytes', kind: 'int', min: 1024, doc: 'bytes a backed-up connection may hold for its "all" subscriptions (plus unsent socket bytes) before they resume from history' },
  { key: 'stallTimeoutMs', env: 'RT_STALL_TIMEOUT_MS', flag: 'stall-timeout-ms', kind: 'int', min: 100, doc: 'a connection with unsent data that reads nothing for this long is closed with 4008' },
  { key: 'maxReplay', env: 'RT_MAX_REPLAY', flag: 'max-replay', kind: 'int', min: 1, doc: 'messages replayed for one since before skipping ahead to the newest with a gap marker' },
  { key: 'allowedOrigins', env: 'RT_ALLOWED_ORIGINS', flag: 'allowed-origins', kind: 'list', doc: 'comma-separated origins allowed to open /ws; * = any' },
  { key: 'webSocket', env: 'RT_WEBSOCKET', flag: 'websocket', kind: 'bool', doc: 'accept WebSockets on /ws; false leaves only the SSE fallback transport (/sse), to try it as clients behind a WebSocket-blocking proxy would' },
  { key: 'reconnectSpreadMs', env: 'RT_RECONNECT_SPREAD_MS', flag: 'reconnect-spread-ms', kind: 'int', min: 0, doc: 'window named in 1001/1012 closes within which clients reconnect at a random time' },
  { key: 'demo', env: 'RT_DEMO', flag: 'demo', kind: 'bool', doc: 'serve the demo pages (and, in rt start, run the data generator)' },
  { key: 'ingestUrl', env: 'RT_INGEST_URL', flag: 'ingest-url', kind: 'http-url', doc: 'public URL of the ingest API, shown by the demo page\'s "send your own event" command when this process does not run ingest' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: 'log-level', kind: 'level', doc: 'trace, debug, info, warn, error, fatal or silent' },
  { key: 'processorName', env: 'RT_PROCESSOR_NAME', flag: 'name', kind: 'string', doc: 'consumer name of a processor (default: host-pid-random); a restart under the same name resumes at once' },
  { key: 'leaseTtlMs', env: 'RT_LEASE_TTL_MS', flag: 'lease-ttl-ms', kind: 'int', min: 100, doc: 'partition lease lifetime; a dead processor\'s partitions move after this' },
  { key: 'configFile', env: 'RT_CONFIG', flag: 'config', kind: 'string', doc: 'JSON config file (rules; reloaded on SIGHUP); see docs/configuration.md' },
];

export const DEFAULTS: Config = {
  port: 8080,
  host: '127.0.0.1',
  redisUrl: null,
  redisWaitReplicas: null,
  redisWaitTimeoutMs: 1000,
  partitions: 4,
  keyPrefix: 'rt',
  historyMaxLen: 1_000_000,
  historyRetention: parseRetentionRules(DEFAULT_RETENTION_TEXT),
  ingestMaxLen: 100_000,
  ingestMaxAgeMs: 600_000,
  idempotencyWindowMs: 300_000,
  maxBodyBytes: 1024 * 1024,
  heartbeatMs: 25_000,
  maxSubscriptions: 1000,
  maxBufferedBytes: 8 * 1024 * 1024,
  stallTimeoutMs: 30_000,
  maxReplay: 10_000,
  allowedOrigins: ['*'],
  webSocket: true,
  reconnectSpreadMs: 3_000,
  demo: true,
  ingestUrl: null,
  logLevel: 'info',
  processorName: null,
  leaseTtlMs: 10_000,
  configFile: null,
};

/** A configuration value that cannot be used; the message names the key and where it came from. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function convert(spec: KeySpec, raw: string, source: string): Config[keyof Config] {
  const bad = (expected: string): never => {
    throw new ConfigError(`${source}: ${expected}, got ${JSON.stringify(raw)}`);
  };
  switch (spec.kind) {
    case 'port': {
      const n = Number(raw);
      if (!/^\d{1,5}$/.test(raw.trim()) || n > 65535) bad('must be a port number from 0 to 65535');
      return n;
    }
    case 'int': {
      const n = Number(raw);
      // Plain decimal digits only: "0x10", "1e3" and "8.0" are more likely mistakes than intent.
      if (!/^\d{1,15}$/.test(raw.trim()) || n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER)) {
        bad(spec.max === undefined ? `must be a whole number ≥ ${spec.min ?? 0}` : `must be a whole number from ${spec.min ?? 0} to ${spec.max}`);
      }
      return n;
    }
    case 'url': {
      try {
        parseRedisAddress(raw);
      } catch (error) {
        bad((error as Error).message);
      }
      return raw;
    }
    case 'http-url': {
      let url: URL | null = null;
      try {
        url = new URL(raw);
      } catch {
        bad('must be a URL like https://ingest.example.com');
      }
      if (url && url.protocol !== 'http:' && url.protocol !== 'https:') bad('must use http:// or https://');
      return raw.replace(/\/+$/, '');
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length === 0) bad('must list at least one origin (or *)');
      for (const item of items) {
        if (item === '*') continue;
        let ok = false;
        try {
          ok = new URL(item).origin === item;
        } catch {
          ok = false;
        }
        if (!ok) bad(`each origin must look like https://example.com (scheme, host, optional port, no path); "${item}" does not`);
      }
      return items;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return bad('must be true or false');
    }
    case 'level':
      if (!LEVELS.includes(raw)) bad(`must be one of ${LEVELS.join(', ')}`);
      return raw;
    case 'string':
      if (raw.trim() === '') bad('must not be empty');
      return raw;
    case 'retention':
      try {
        return parseRetentionRules(raw);
      } catch (error) {
        return bad((error as Error).message);
      }
  }
}

/**
 * Builds the configuration from defaults, then the environment, then flags.
 * `flags` holds parsed command-line values keyed by flag name (strings, or
 * booleans for --demo/--no-demo). Throws ConfigError naming the bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Record<string, string | boolean | undefined>, base: Partial<Config> = {}): Config {
  const config: Config = { ...DEFAULTS, ...base };
  const target = config as unknown as Record<string, unknown>;
  for (const spec of CONFIG_KEYS) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') target[spec.key] = convert(spec, fromEnv, `environment variable ${spec.env}`);
    const fromFlag = flags[spec.flag];
    if (typeof fromFlag === 'string') target[spec.key] = convert(spec, fromFlag, `option --${spec.flag}`);
    else if (typeof fromFlag === 'boolean') target[spec.key] = fromFlag;
  }
  return config;
}
