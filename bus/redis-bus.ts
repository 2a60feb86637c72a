/**
 * The Redis bus: the three roles' Redis engines over one command connection
 * (node-redis pipelines what is issued in the same tick), plus a blocking-read
 * connection for the ingest log and a subscriber connection for the broker,
 * each opened when first needed.
 */
import type { Bus } from './bus.js';
import { keyNames } from './keys.js';
import { RedisBroker } from './redis-broker.js';
import { createRedisClient, redactUrl, type BusLogger, type RedisClient } from './redis-connection.js';
import { RedisCoordination } from './redis-coordination.js';
import { RedisIngestLog } from './redis-ingest-log.js';
import { RedisProcessorState } from './redis-processor-state.js';
import type { RetentionPolicy } from './retention.js';

export interface RedisBusOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Ingest stream partitions (default 4). Every service must use the same number. */
  partitions?: number;
  /** Hard cap of entries per topic history, approximate, above any retention (default 1 000 000). */
  historyMaxLen?: number;
  /** Per-topic history retention (default: 10 000 messages or 10 minutes, whichever keeps more). */
  retention?: RetentionPolicy;
  /** How often topics published to are trimmed to their retention, in ms (default 1 000). */
  retentionIntervalMs?: number;
  /** Prefix of every key (default "rt"). */
  keyPrefix?: string;
  log?: BusLogger;
}

/** REDIS_URL names a node of a Redis Cluster, which the bus does not support yet. */
export class RedisClusterUnsupportedError extends Error {
  readonly code = 'redis_cluster_unsupported';
  constructor(where: string) {
    super(`${where} is a Redis Cluster node (cluster_enabled:1); rt needs a standalone Redis (or a Sentinel-managed master addressed directly) for now: see docs/operations.md#redis-cluster-and-sentinel`);
  }
}

const silent: BusLogger = { info() {}, warn() {} };

export class RedisBus implements Bus {
  readonly ingest: RedisIngestLog;
  readonly coordination: RedisCoordination;
  readonly broker: RedisBroker;
  readonly state: RedisProcessorState;
  private readonly client: RedisClient;
  private readonly url: string;
  private closed = false;

  constructor(options: RedisBusOptions) {
    const keys = keyNames(options.keyPrefix);
    const log = options.log ?? silent;
    this.url = options.url;
    this.client = createRedisClient(options.url, log, 'commands');
    this.ingest = new RedisIngestLog(this.client, options.url, keys, log, { partitions: options.partitions ?? 4 });
    this.coordination = new RedisCoordination(this.client, keys);
    this.broker = new RedisBroker(this.client, options.url, keys, log, { historyMaxLen: options.historyMaxLen ?? 1_000_000, retention: options.retention, retentionIntervalMs: options.retentionIntervalMs });
    this.state = new RedisProcessorState(this.client, keys);
  }

  /**
   * Connects the command connection; retries (and logs) until Redis answers.
   * Refuses a Redis Cluster node (`RedisClusterUnsupportedError`): the bus
   * reads several ingest partitions in one command and publishes with plain
   * Pub/Sub, which a cluster would answer with MOVED/CROSSSLOT errors at
   * random later on.
   */
  async connect(): Promise<void> {
    await this.client.connect();
    const info = String(await this.client.sendCommand(['INFO', 'cluster']));
    if (/^cluster_enabled:1\b/m.test(info)) {
      await this.client.destroy();
      throw new RedisClusterUnsupportedError(redactUrl(this.url));
    }
  }

  healthy(): boolean {
    return !this.closed && this.client.isReady && this.broker.healthy();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.ingest.close(), this.broker.close(), this.client.isOpen ? this.client.destroy() : undefined]);
  }
}
