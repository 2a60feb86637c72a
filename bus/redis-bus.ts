/**
 * The Redis bus: the three roles' Redis engines over one command connection
 * (node-redis pipelines what is issued in the same tick), plus a blocking-read
 * connection for the ingest log and a subscriber connection for the broker,
 * each opened when first needed.
 */
import type { Bus } from './bus.js';
import { keyNames } from './keys.js';
import { RedisBroker } from './redis-broker.js';
import { parseRedisAddress, type RedisAddress } from './redis-address.js';
import { clusterCommands, createRedisClient, createRedisCluster, redactUrl, type BusLogger, type RedisClient, type RedisLink } from './redis-connection.js';
import { RedisCoordination } from './redis-coordination.js';
import { RedisIngestLog } from './redis-ingest-log.js';
import { RedisProcessorState } from './redis-processor-state.js';
import { SentinelWatcher } from './redis-sentinel.js';
import type { RetentionPolicy } from './retention.js';

export interface RedisBusOptions {
  /** redis:// or rediss:// URL, or redis+sentinel://host:port[,host:port…]/master-name (see bus/redis-address.ts). */
  url: string;
  /**
   * Replicas that must confirm each ingest append before it is acknowledged,
   * and each publish of ingest entries before the processor acknowledges
   * them (`WAIT`): default 1 with Sentinel (a failover then loses nothing
   * acknowledged, neither in the ingest log nor in topic histories), 0
   * otherwise.
   */
  waitReplicas?: number;
  /** How long an append or a publish waits for those replicas, in ms (default 1 000). */
  waitTimeoutMs?: number;
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

const silent: BusLogger = { info() {}, warn() {} };

/** Commands before connect() chose a connection (Sentinel, Cluster). */
const notConnected = {
  sendCommand(): Promise<unknown> {
    return Promise.reject(new Error('the Redis bus is not connected yet: call connect() first'));
  },
};

export class RedisBus implements Bus {
  readonly ingest: RedisIngestLog;
  readonly coordination: RedisCoordination;
  readonly broker: RedisBroker;
  readonly state: RedisProcessorState;
  /** The command connection and the URL of the Redis it talks to (the master, with Sentinel). */
  private readonly link: RedisLink;
  private readonly address: RedisAddress;
  private readonly log: BusLogger;
  private sentinel: SentinelWatcher | null = null;
  /** Master changes are applied one after another, in order. */
  private switching: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: RedisBusOptions) {
    const keys = keyNames(options.keyPrefix);
    const log = options.log ?? silent;
    this.log = log;
    this.address = parseRedisAddress(options.url);
    // With Sentinel the master's address is known only once connect() asked;
    // until then there is no command client.
    this.link = { client: null, cluster: null, commands: notConnected, url: '' };
    if (this.address.kind === 'single') this.useClient(createRedisClient(this.address.url, log, 'commands'), this.address.url);
    const waitReplicas = options.waitReplicas ?? (this.address.kind === 'sentinel' ? 1 : 0);
    this.ingest = new RedisIngestLog(this.link, keys, log, { partitions: options.partitions ?? 4, waitReplicas, waitTimeoutMs: options.waitTimeoutMs });
    this.coordination = new RedisCoordination(this.link, keys);
    this.broker = new RedisBroker(this.link, keys, log, {
      historyMaxLen: options.historyMaxLen ?? 1_000_000,
      retention: options.retention,
      retentionIntervalMs: options.retentionIntervalMs,
      waitReplicas,
      waitTimeoutMs: options.waitTimeoutMs,
    });
    this.state = new RedisProcessorState(this.link, keys);
  }

  /**
   * Connects the command connection; retries (and logs) until Redis answers.
   * With Sentinel, first asks the Sentinels for the master, then follows it.
   * A node with cluster mode on (INFO cluster), or a list of seed nodes,
   * switches the bus to Cluster mode: commands routed by key, sharded
   * Pub/Sub, one blocking read per partition.
   */
  async connect(): Promise<void> {
    const address = this.address;
    if (address.kind === 'seeds') return this.connectCluster(address.urls);
    if (address.kind === 'sentinel') {
      const sentinel = new SentinelWatcher(address, this.log, (url) => {
        this.switching = this.switching.then(() => this.switchMaster(url));
      });
      this.sentinel = sentinel;
      const url = await sentinel.resolve();
      this.log.info({ masterName: address.masterName, master: redactUrl(url) }, `Sentinel names ${redactUrl(url)} as master "${address.masterName}"`);
      const client = createRedisClient(url, this.log, 'commands');
      this.useClient(client, url);
      await client.connect();
      sentinel.start(url);
      return;
    }
    const client = this.link.client!;
    await client.connect();
    const info = String(await client.sendCommand(['INFO', 'cluster']));
    if (/^cluster_enabled:1\b/m.test(info)) {
      client.destroy();
      this.link.client = null;
      await this.connectCluster([address.url]);
    }
  }

  private async connectCluster(urls: string[]): Promise<void> {
    const cluster = createRedisCluster(urls, this.log, 'commands');
    this.link.cluster = cluster;
    this.link.commands = clusterCommands(cluster);
    this.link.url = urls[0];
    await cluster.connect();
    this.log.info({ redis: urls.map(redactUrl).join(','), masters: cluster.masters.length }, `connected to a Redis Cluster of ${cluster.masters.length} masters`);
  }

  private useClient(client: RedisClient, url: string): void {
    this.link.client = client;
    this.link.commands = client;
    this.link.url = url;
  }

  /**
   * Sentinel promoted another master: the command connection moves to it
   * (commands in flight on the old one fail and are retried by their
   * callers; the WAIT after appends and publishes made sure what was
   * acknowledged reached a replica), the blocking reader and the subscriber are dropped, and the
   * broker reports an interruption so gateways close their clients with 1012
   * and those resume from the new master's history (with `reset` where it
   * lacks what they had seen).
   */
  private async switchMaster(url: string): Promise<void> {
    if (this.closed || url === this.link.url) return;
    this.log.warn({ from: redactUrl(this.link.url), to: redactUrl(url) }, `Redis master changed from ${redactUrl(this.link.url)} to ${redactUrl(url)}; reconnecting`);
    const old = this.link.client;
    const fresh = createRedisClient(url, this.log, 'commands');
    await fresh.connect();
    if (this.closed) {
      await fresh.destroy();
      return;
    }
    this.useClient(fresh, url);
    if (old?.isOpen) old.destroy();
    await Promise.all([this.ingest.masterChanged(), this.broker.masterChanged()]);
  }

  healthy(): boolean {
    const connection = this.link.cluster ?? this.link.client;
    return !this.closed && connection !== null && connection.isReady && this.broker.healthy();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.sentinel?.close(), this.ingest.close(), this.broker.close()]);
    if (this.link.client?.isOpen) this.link.client.destroy();
    if (this.link.cluster?.isOpen) this.link.cluster.destroy();
  }
}
