/**
 * The broker on Redis: each topic has a history stream and a Pub/Sub
 * channel, and publishing is one Lua script per topic and batch (append +
 * publish, atomic, in order; one channel message per call). The hard cap
 * and retention by count and age are applied by a trimmer every second to
 * the topics published to. Commands issued in the same tick are pipelined by node-redis.
 * Subscriptions share one subscriber connection of their own.
 */
import { encodeBody, ID_ZERO } from '../protocol/index.js';
import type { Broker, HistoryEntry, HistoryRange, PublishRequest, TopicListener, TopicPosition } from './broker.js';
import { CommandDeadlines, type DeadlineOptions } from './command-deadline.js';
import { newEpoch } from './epoch.js';
import type { KeyNames } from './keys.js';
import { createRedisClient, type BusLogger, type RedisClient, type RedisClusterClient, type RedisLink } from './redis-connection.js';
import { ReplicaAckError } from './redis-ingest-log.js';
import { POSITION, POSITIONS, PUBLISH_BATCH, PUBLISH_BATCH_SHARDED, runScript, TRIM_HISTORY } from './redis-scripts.js';
import { RetentionPolicy } from './retention.js';

export interface RedisBrokerOptions {
  /** Hard cap of entries per topic history (approximate), applied every second with retention. */
  historyMaxLen: number;
  /** Per-topic retention (default: 10 000 messages or 10 minutes, whichever keeps more). */
  retention?: RetentionPolicy;
  /** How often topics published to are trimmed to their retention, in ms (default 1 000). */
  retentionIntervalMs?: number;
  /**
   * Replicas that must have a publish of ingest entries (requests with a
   * `source`) before it resolves (`WAIT n timeoutMs` after the call's
   * scripts; 0 = don't wait). Fewer in time: the call rejects with
   * `ReplicaAckError`, so the processor does not acknowledge those entries
   * and redoes them (the redo publishes nothing twice, and waits again).
   */
  waitReplicas?: number;
  /** How long `WAIT` may take, in ms (default 1 000). */
  waitTimeoutMs?: number;
}

type Fields = string[];
type StreamEntryReply = [string, Fields | null];

/** Most topics one POSITIONS call reads. */
const POSITIONS_PER_CALL = 256;

/** A caller of positions() waiting for its tick's read. */
interface PositionWaiter {
  topics: readonly string[];
  resolve(positions: (TopicPosition | Error)[]): void;
}

function readPositions(broker: RedisBroker): void {
  broker.readPositions();
}

/** A `latest` read asked for in this tick, shared by everyone who asked for the same. */
interface LatestRead {
  topic: string;
  count: number;
  minId: string | undefined;
  promise: Promise<readonly HistoryEntry[]>;
  resolve(entries: readonly HistoryEntry[]): void;
  reject(error: Error): void;
}

function readLatest(broker: RedisBroker): void {
  broker.readLatest();
}

const NO_ENTRIES: readonly HistoryEntry[] = Object.freeze([]);

export class RedisBroker implements Broker {
  private readonly historyMaxLen: string;
  private readonly retention: RetentionPolicy;
  private readonly retentionIntervalMs: number;
  /** `WAIT n timeoutMs`, or null when publishes do not wait for replicas. */
  private readonly waitArgs: string[] | null;
  /** Topics published to since their last trim. */
  private readonly published = new Set<string>();
  private trimTimer: NodeJS.Timeout | null = null;
  private subscriber: RedisClient | null = null;
  private subscriberReady: Promise<RedisClient> | null = null;
  /** Cluster only: the sharded Pub/Sub subscriber. */
  private sharded: RedisClusterClient | null = null;
  private shardedReady: Promise<RedisClusterClient> | null = null;
  private readonly interruptionCallbacks: (() => void)[] = [];
  private closed = false;
  /** Queue timeouts of this broker's commands, one timer per slot rather than per command. */
  private readonly deadlines = new CommandDeadlines();
  private readonly deadline = (): DeadlineOptions => this.deadlines.next();
  /** `latest` reads asked for in this tick by topic, count and minId (made right after it, each once); null when none. */
  private latestReads: Map<string, LatestRead> | null = null;
  /** Topics whose position was asked for in this tick (read together right after it), each with its index in the read; null when none. */
  private positionTopics: Map<string, number> | null = null;
  private positionWaiters: PositionWaiter[] = [];

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeyNames,
    private readonly log: BusLogger,
    options: RedisBrokerOptions,
  ) {
    this.historyMaxLen = String(options.historyMaxLen);
    this.retention = options.retention ?? new RetentionPolicy();
    this.retentionIntervalMs = options.retentionIntervalMs ?? 1000;
    const replicas = options.waitReplicas ?? 0;
    this.waitArgs = replicas > 0 ? ['WAIT', String(replicas), String(options.waitTimeoutMs ?? 1000)] : null;
  }

  async publish(requests: readonly PublishRequest[]): Promise<(string | null)[]> {
    for (const request of requests) this.published.add(request.topic);
    this.trimTimer ??= setTimeout(() => this.trimPublished(), this.retentionIntervalMs).unref();
    // One script call per topic: a topic's messages stay in order inside it,
    // and a batch of many messages on few topics costs few round trips.
    const byTopic = new Map<string, number[]>();
    requests.forEach((request, i) => {
      const indexes = byTopic.get(request.topic);
      if (indexes) indexes.push(i);
      else byTopic.set(request.topic, [i]);
    });
    const ids: (string | null)[] = new Array(requests.length).fill(null);
    // The epoch a topic gets if its history is new; topics are apart, so one candidate serves the call.
    const epoch = newEpoch();
    const { commands, cluster } = this.link;
    const written = [...byTopic].map(async ([topic, indexes]) => {
      const args = [this.keys.channel(topic), epoch];
      for (const i of indexes) {
        const { body, source } = requests[i];
        args.push(encodeBody(body), source ? String(source.partition) : '', source ? source.id : '');
      }
      const reply = (await runScript(commands, cluster ? PUBLISH_BATCH_SHARDED : PUBLISH_BATCH, [this.keys.history(topic), this.keys.source(topic), this.keys.epoch(topic)], args, this.deadline)) as string[];
      indexes.forEach((i, k) => (ids[i] = reply[k] === '' ? null : reply[k]));
    });
    // Only publishes of ingest entries wait: their entries are acknowledged
    // next, and a failover must not lose what no redo will bring back.
    // Unsourced ones (the gateway's system topics) do not hold up the
    // connection for replicas.
    await Promise.all(written);
    if (this.waitArgs !== null && requests.some((r) => r.source)) await this.replicated(commands, cluster, [...byTopic.keys()]);
    return ids;
  }

  /**
   * WAIT after a publish, on the connection(s) that carried its scripts
   * (WAIT counts the writes of its own connection): one on a single Redis,
   * one per master written to on a Cluster, routed by a topic of its slots.
   * A script that skipped everything as already published still rewrote its
   * source mark, so this also covers entries an earlier attempt wrote (and
   * did not see replicated), even from another connection. (Redis 7.0
   * already counts a script call without writes for its connection's WAIT;
   * the rewrite keeps that from depending on the version.)
   */
  private async replicated(commands: RedisLink['commands'], cluster: RedisClusterClient | null, topics: string[]): Promise<void> {
    const args = this.waitArgs!;
    const [, required, timeoutMs] = args;
    let counts: unknown[];
    if (cluster) {
      const byMaster = new Map<string, string>();
      for (const topic of topics) {
        const key = this.keys.history(topic);
        const master = cluster.slots[keySlot(key)]?.master;
        const address = master ? `${master.host}:${master.port}` : key;
        if (!byMaster.has(address)) byMaster.set(address, key);
      }
      counts = await Promise.all([...byMaster.values()].map((key) => cluster.sendCommand(key, false, args)));
    } else {
      counts = [await commands.sendCommand(args, this.deadline())];
    }
    const count = Math.min(...counts.map(Number));
    if (count < Number(required)) {
      throw new ReplicaAckError(
        `only ${count} of ${required} Redis replica(s) confirmed the publish within ${timeoutMs} ms (RT_REDIS_WAIT_REPLICAS, RT_REDIS_WAIT_TIMEOUT_MS); its ingest entries stay unacknowledged and are redone (nothing is published twice)`,
      );
    }
  }

  async subscribe(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    if (this.link.cluster) return this.subscribeSharded(topic, listener);
    const subscriber = await this.subscriberConnection();
    const channel = this.keys.channel(topic);
    const onMessage = (message: string): void => deliverLines(message, listener);
    await subscriber.subscribe(channel, onMessage);
    return async () => {
      if (subscriber.isOpen) await subscriber.unsubscribe(channel, onMessage);
    };
  }

  /**
   * On a Cluster: sharded Pub/Sub (SSUBSCRIBE on the master of the topic's
   * slot, through a Cluster client of its own). As with one Redis, any
   * trouble on one of its node connections drops the whole subscriber and
   * reports an interruption, rather than letting node-redis resubscribe
   * quietly over a hole.
   */
  private async subscribeSharded(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    const subscriber = await this.shardedSubscriberConnection();
    const channel = this.keys.channel(topic);
    const onMessage = (message: string): void => deliverLines(message, listener);
    await subscriber.sSubscribe(channel, onMessage);
    return async () => {
      if (subscriber.isOpen) await subscriber.sUnsubscribe(channel, onMessage);
    };
  }

  private shardedSubscriberConnection(): Promise<RedisClusterClient> {
    this.shardedReady ??= this.openShardedSubscriber();
    return this.shardedReady;
  }

  private async openShardedSubscriber(): Promise<RedisClusterClient> {
    const subscriber = this.link.cluster!.duplicate({ minimizeConnections: true });
    this.sharded = subscriber;
    let live = false;
    subscriber.on('error', () => {});
    const lost = (): void => {
      const current = this.sharded === subscriber;
      if (current) {
        this.sharded = null;
        this.shardedReady = null;
      }
      subscriber.off('node-error', lost);
      subscriber.off('node-reconnecting', lost);
      if (subscriber.isOpen) subscriber.destroy();
      if (this.closed || !live || !current) return;
      this.log.warn({ role: 'subscriber' }, 'a Redis Cluster subscriber connection was lost; subscribers will resubscribe and catch up from history');
      for (const callback of this.interruptionCallbacks) callback();
    };
    subscriber.on('node-error', lost);
    subscriber.on('node-reconnecting', lost);
    await subscriber.connect();
    live = true;
    return subscriber;
  }

  onInterruption(callback: () => void): void {
    this.interruptionCallbacks.push(callback);
  }

  async position(topic: string): Promise<TopicPosition> {
    const [position] = await this.positions([topic]);
    if (position instanceof Error) throw position;
    return position;
  }

  /**
   * Positions asked for in one tick are read together right after it
   * (setImmediate): a topic asked for by many connections is read once, and
   * on one Redis all of them take one POSITIONS call per 256 topics. A storm
   * of 10 000 clients subscribing to 5 topics each then makes a few hundred
   * commands instead of 50 000, and far less garbage.
   */
  positions(topics: readonly string[]): Promise<(TopicPosition | Error)[]> {
    let batch = this.positionTopics;
    if (batch === null) {
      batch = this.positionTopics = new Map();
      setImmediate(readPositions, this);
    }
    for (const topic of topics) if (!batch.has(topic)) batch.set(topic, batch.size);
    return new Promise((resolve) => this.positionWaiters.push({ topics, resolve }));
  }

  /** Reads the positions asked for in the tick that just ended (see positions). */
  readPositions(): void {
    const batch = this.positionTopics;
    const waiters = this.positionWaiters;
    this.positionTopics = null;
    this.positionWaiters = [];
    if (batch === null) return;
    const topics = [...batch.keys()];
    const results: (TopicPosition | Error)[] = new Array(topics.length);
    const reads: Promise<void>[] = [];
    if (this.link.cluster) {
      // Topics lie in different slots: one POSITION call each (pipelined by node-redis).
      topics.forEach((topic, i) => {
        reads.push(
          runScript(this.link.commands, POSITION, [this.keys.history(topic), this.keys.epoch(topic)], [newEpoch()], this.deadline).then(
            (reply) => void (results[i] = { epoch: (reply as string[])[0], top: (reply as string[])[1] }),
            (error: Error) => void (results[i] = error),
          ),
        );
      });
    } else {
      // Topics are apart, so one candidate epoch serves the call (as in publish).
      const epoch = [newEpoch()];
      for (let from = 0; from < topics.length; from += POSITIONS_PER_CALL) {
        const to = Math.min(topics.length, from + POSITIONS_PER_CALL);
        const keys: string[] = [];
        for (let i = from; i < to; i++) keys.push(this.keys.history(topics[i]), this.keys.epoch(topics[i]));
        reads.push(
          runScript(this.link.commands, POSITIONS, keys, epoch, this.deadline).then(
            (reply) => {
              const flat = reply as string[];
              for (let i = from; i < to; i++) results[i] = { epoch: flat[2 * (i - from)], top: flat[2 * (i - from) + 1] };
            },
            (error: Error) => {
              for (let i = from; i < to; i++) results[i] = error;
            },
          ),
        );
      }
    }
    void Promise.all(reads).then(() => {
      for (const { topics: wanted, resolve } of waiters) resolve(wanted.map((topic) => results[batch.get(topic)!]));
    });
  }

  async history(topic: string, since: string, limit: number): Promise<HistoryRange> {
    const reply = (await this.link.commands.sendCommand(['XRANGE', this.keys.history(topic), `(${since}`, '+', 'COUNT', String(limit)], this.deadlines.next())) as StreamEntryReply[];
    // Redis 7.0 does not track ids removed by trimming, so the first entry of
    // each publish call carries its predecessor ("p"): when the first entry
    // after `since` does not follow `since` directly, retention removed what
    // was in between. An entry without "p" was appended in the same call as
    // the entry before it; trimming cuts from the front, so that predecessor
    // is `since` exactly when `since` is still in the stream.
    const first = reply[0];
    let gap = false;
    if (first !== undefined) {
      const previous = field(first[1], 'p');
      if (previous !== undefined) gap = (previous || ID_ZERO) !== since;
      else gap = since === ID_ZERO || ((await this.link.commands.sendCommand(['XRANGE', this.keys.history(topic), since, since], this.deadlines.next())) as unknown[]).length === 0;
    }
    return { entries: reply.map(toHistoryEntry), gap };
  }

  /**
   * Reads asked for in one tick are made right after it, each distinct
   * topic, count and minId once (pipelined): the snapshot reads of a storm of
   * clients subscribing to the same topics cost one command and one array of
   * entries per topic, not one per subscription.
   */
  latest(topic: string, count: number, minId?: string): Promise<readonly HistoryEntry[]> {
    if (count <= 0) return Promise.resolve(NO_ENTRIES);
    let reads = this.latestReads;
    if (reads === null) {
      reads = this.latestReads = new Map();
      setImmediate(readLatest, this);
    }
    const key = `${count}\n${minId ?? ''}\n${topic}`;
    let read = reads.get(key);
    if (read === undefined) {
      let resolve!: (entries: readonly HistoryEntry[]) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<readonly HistoryEntry[]>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      read = { topic, count, minId, promise, resolve, reject };
      reads.set(key, read);
    }
    return read.promise;
  }

  /** Makes the `latest` reads asked for in the tick that just ended (see latest). */
  readLatest(): void {
    const reads = this.latestReads;
    this.latestReads = null;
    if (reads === null) return;
    for (const read of reads.values()) {
      this.link.commands
        .sendCommand(['XREVRANGE', this.keys.history(read.topic), '+', read.minId ?? '-', 'COUNT', String(read.count)], this.deadlines.next())
        .then((reply) => read.resolve((reply as StreamEntryReply[]).map(toHistoryEntry).reverse()), read.reject);
    }
  }

  /** True unless the subscriber connection exists and is down. */
  healthy(): boolean {
    return (this.subscriber === null || this.subscriber.isReady) && (this.sharded === null || this.sharded.isReady);
  }

  /**
   * Trims every topic published to since the last time to its retention:
   * XTRIM MINID ~ (now - ageMs) LIMIT (length - messages), so neither fewer
   * than `messages` nor anything younger than `ageMs` is removed. Runs off
   * the publish path, one script per topic, pipelined.
   */
  private trimPublished(): void {
    this.trimTimer = null;
    if (this.closed) return;
    const topics = [...this.published];
    this.published.clear();
    for (const topic of topics) {
      const { messages, ageMs } = this.retention.of(topic);
      runScript(this.link.commands, TRIM_HISTORY, [this.keys.history(topic)], [String(messages), String(ageMs), this.historyMaxLen], this.deadline).catch((error: Error) => {
        // Retention only bounds memory; the next publish schedules another try.
        this.log.warn({ topic, error: error.message }, 'trimming a topic history failed; will retry after its next publish');
      });
    }
  }

  /**
   * The master changed (Sentinel): the subscriber connection listens to the
   * old one, where nothing is published any more. It is dropped and every
   * subscriber told (as for a lost connection), so they catch up from the
   * new master's history; the next subscription opens a new connection.
   */
  async masterChanged(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.subscriberReady = null;
    if (subscriber?.isOpen) subscriber.destroy();
    if (this.closed) return;
    this.log.warn({ role: 'subscriber' }, 'Redis master changed; subscribers will resubscribe and catch up from history');
    for (const callback of this.interruptionCallbacks) callback();
  }

  /** Closes the subscriber connection (no interruption is reported). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.trimTimer) clearTimeout(this.trimTimer);
    if (this.subscriber?.isOpen) await this.subscriber.destroy();
    if (this.sharded?.isOpen) this.sharded.destroy();
  }

  private subscriberConnection(): Promise<RedisClient> {
    this.subscriberReady ??= this.openSubscriber();
    return this.subscriberReady;
  }

  private async openSubscriber(): Promise<RedisClient> {
    const subscriber = createRedisClient(this.link.url, this.log, 'subscriber');
    this.subscriber = subscriber;
    let live = false;
    subscriber.once('ready', () => (live = true));
    // Pub/Sub is fire-and-forget: whatever was published while the connection
    // was down is gone from it. node-redis would quietly resubscribe, so
    // instead the connection is dropped and subscribers are told to catch up
    // from history, which is what makes the gap visible and closable.
    subscriber.once('error', () => {
      // Not ours any more (replaced after a master change): already reported.
      const current = this.subscriber === subscriber;
      if (current) {
        this.subscriber = null;
        this.subscriberReady = null;
      }
      void subscriber.destroy();
      if (this.closed || !live || !current) return;
      this.log.warn({ role: 'subscriber' }, 'Redis subscriber connection lost; subscribers will resubscribe and catch up from history');
      for (const callback of this.interruptionCallbacks) callback();
    });
    await subscriber.connect();
    return subscriber;
  }
}

/** Hands each `<id> <body>` line of a channel message (one publish call's messages) to the listener. */
function deliverLines(message: string, listener: TopicListener): void {
  let start = 0;
  for (;;) {
    const end = message.indexOf('\n', start);
    const space = message.indexOf(' ', start);
    listener(message.slice(start, space), message.slice(space + 1, end === -1 ? message.length : end));
    if (end === -1) return;
    start = end + 1;
  }
}

function field(fields: Fields | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function toHistoryEntry([id, fields]: StreamEntryReply): HistoryEntry {
  return { id, body: field(fields, 'b') ?? '{}' };
}

/**
 * The Redis Cluster hash slot of a key (CRC16/XMODEM of its hash tag, or of
 * the whole key without one, modulo 16 384), to send one WAIT per master.
 */
export function keySlot(key: string): number {
  let start = key.indexOf('{');
  let end = start < 0 ? -1 : key.indexOf('}', start + 1);
  if (start < 0 || end === start + 1 || end < 0) {
    start = -1;
    end = key.length;
  }
  const bytes = Buffer.from(key.slice(start + 1, end));
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
