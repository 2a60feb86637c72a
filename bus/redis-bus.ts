/**
 * The Redis bus (node-redis): ingest partitions are streams read through a
 * consumer group, each topic has a capped history stream and a Pub/Sub
 * channel, and publishing is one Lua script per message (append + publish,
 * atomic). Commands issued in the same tick are pipelined by node-redis.
 */
import { encodeBody, ID_ZERO } from '../protocol/index.js';
import type {
  Bus,
  HistoryEntry,
  HistoryRange,
  IngestEntry,
  PublishRequest,
  ReadOptions,
  TopicListener,
  IngestEvent,
} from './bus.js';
import { checkEvent } from './ingest-event.js';
import { keyNames, type KeyNames } from './keys.js';
import { partitionOf } from './partition.js';
import { createRedisClient, type BusLogger, type RedisClient } from './redis-connection.js';
import { LEASE, PRESENCE, PUBLISH, RELEASE, type Script } from './redis-scripts.js';

export interface RedisBusOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Ingest stream partitions (default 4). Every service must use the same number. */
  partitions?: number;
  /** Approximate entries kept per ingest partition (default 100 000). */
  ingestMaxLen?: number;
  /** Approximate entries kept per topic history (default 10 000). */
  historyMaxLen?: number;
  /** Prefix of every key (default "rt"). */
  keyPrefix?: string;
  log?: BusLogger;
}

type Fields = string[];
type StreamEntryReply = [string, Fields | null];

const silent: BusLogger = { info() {}, warn() {} };

function fieldsToEvent(fields: Fields | null, now: number): { event: IngestEvent | null; problem?: string } {
  if (!fields) return { event: null, problem: 'entry was trimmed before it was processed' };
  const raw: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (name === 'ts' || name === 'value') {
      raw[name] = value.trim() === '' ? Number.NaN : Number(value);
    } else if (name === 'data') {
      try {
        raw.data = JSON.parse(value);
      } catch {
        return { event: null, problem: 'field "data" is not valid JSON' };
      }
    } else {
      raw[name] = value;
    }
  }
  const check = checkEvent(raw, now);
  return check.ok ? { event: check.event } : { event: null, problem: check.problem };
}

export class RedisBus implements Bus {
  readonly partitions: number;
  private readonly keys: KeyNames;
  private readonly ingestMaxLen: string;
  private readonly historyMaxLen: string;
  private readonly log: BusLogger;
  private readonly url: string;
  private readonly client: RedisClient;
  private reader: RedisClient | null = null;
  private subscriber: RedisClient | null = null;
  private subscriberReady: Promise<RedisClient> | null = null;
  private readonly interruptionCallbacks: (() => void)[] = [];
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.url = options.url;
    this.partitions = options.partitions ?? 4;
    this.ingestMaxLen = String(options.ingestMaxLen ?? 100_000);
    this.historyMaxLen = String(options.historyMaxLen ?? 10_000);
    this.keys = keyNames(options.keyPrefix);
    this.log = options.log ?? silent;
    this.client = createRedisClient(this.url, this.log, 'commands');
  }

  /** Connects the command connection; retries (and logs) until Redis answers. */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  partitionOf(topic: string): number {
    return partitionOf(topic, this.partitions);
  }

  async append(events: IngestEvent[]): Promise<string[]> {
    return Promise.all(
      events.map((event) => {
        const args = ['XADD', this.keys.ingest(this.partitionOf(event.topic)), 'MAXLEN', '~', this.ingestMaxLen, '*', 'topic', event.topic, 'ts', String(event.ts)];
        if (event.value !== undefined) args.push('value', String(event.value));
        if (event.data !== undefined) args.push('data', JSON.stringify(event.data));
        return this.client.sendCommand(args) as Promise<string>;
      }),
    );
  }

  async ensureGroup(group: string): Promise<void> {
    await Promise.all(
      Array.from({ length: this.partitions }, async (_, p) => {
        try {
          await this.client.sendCommand(['XGROUP', 'CREATE', this.keys.ingest(p), group, '0', 'MKSTREAM']);
        } catch (error) {
          if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
        }
      }),
    );
  }

  async lease(partition: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.run(LEASE, [this.keys.lease(partition)], [owner, String(ttlMs)])) === 1;
  }

  async releaseLease(partition: number, owner: string): Promise<void> {
    await this.run(RELEASE, [this.keys.lease(partition)], [owner]);
  }

  async presence(member: string, ttlMs: number): Promise<number> {
    return (await this.run(PRESENCE, [this.keys.processors()], [member, String(ttlMs)])) as number;
  }

  async leavePresence(member: string): Promise<void> {
    await this.client.sendCommand(['ZREM', this.keys.processors(), member]);
  }

  async takeOverPending(group: string, consumer: string, partition: number): Promise<number> {
    let cursor = '0-0';
    let moved = 0;
    do {
      const reply = (await this.client.sendCommand(['XAUTOCLAIM', this.keys.ingest(partition), group, consumer, '0', cursor, 'COUNT', '1000', 'JUSTID'])) as [string, string[]];
      cursor = reply[0];
      moved += reply[1].length;
    } while (cursor !== '0-0');
    return moved;
  }

  async read(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]> {
    if (partitions.length === 0) return [];
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(options.count)];
    if (!options.pending) args.push('BLOCK', String(Math.max(1, options.blockMs)));
    args.push('STREAMS', ...partitions.map((p) => this.keys.ingest(p)), ...partitions.map(() => (options.pending ? '0' : '>')));
    // A blocking read holds its connection, so it gets one of its own.
    const connection = options.pending ? this.client : await this.readerConnection();
    let reply: [string, StreamEntryReply[]][] | null;
    try {
      reply = (await connection.sendCommand(args)) as [string, StreamEntryReply[]][] | null;
    } catch (error) {
      if (this.closed) return [];
      throw error;
    }
    if (!reply) return [];
    const now = Date.now();
    const out: IngestEntry[] = [];
    for (const [key, entries] of reply) {
      const partition = partitions[partitions.findIndex((p) => this.keys.ingest(p) === key)];
      for (const [id, fields] of entries) {
        const { event, problem } = fieldsToEvent(fields, now);
        const entry: IngestEntry = { partition, id, event };
        if (problem) entry.problem = problem;
        out.push(entry);
      }
    }
    return out;
  }

  async ack(group: string, entries: readonly Pick<IngestEntry, 'partition' | 'id'>[]): Promise<void> {
    const byPartition = new Map<number, string[]>();
    for (const { partition, id } of entries) {
      const ids = byPartition.get(partition) ?? [];
      ids.push(id);
      byPartition.set(partition, ids);
    }
    await Promise.all([...byPartition].map(([p, ids]) => this.client.sendCommand(['XACK', this.keys.ingest(p), group, ...ids])));
  }

  async publish(requests: readonly PublishRequest[]): Promise<(string | null)[]> {
    return Promise.all(
      requests.map(async (request) => {
        const { topic, source } = request;
        const reply = await this.run(
          PUBLISH,
          [this.keys.history(topic), this.keys.source(topic)],
          [this.keys.channel(topic), this.historyMaxLen, encodeBody(request.body), source ? String(source.partition) : '', source ? source.id : ''],
        );
        return typeof reply === 'string' ? reply : null;
      }),
    );
  }

  async subscribe(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    const subscriber = await this.subscriberConnection();
    const channel = this.keys.channel(topic);
    const onMessage = (message: string): void => {
      const space = message.indexOf(' ');
      listener(message.slice(0, space), message.slice(space + 1));
    };
    await subscriber.subscribe(channel, onMessage);
    return async () => {
      if (subscriber.isOpen) await subscriber.unsubscribe(channel, onMessage);
    };
  }

  onInterruption(callback: () => void): void {
    this.interruptionCallbacks.push(callback);
  }

  async history(topic: string, since: string, limit: number): Promise<HistoryRange> {
    const reply = (await this.client.sendCommand(['XRANGE', this.keys.history(topic), `(${since}`, '+', 'COUNT', String(limit)])) as StreamEntryReply[];
    // Redis 7.0 does not track ids removed by MAXLEN trimming, so each entry
    // carries its predecessor: when the first entry after `since` does not
    // follow `since` directly, retention removed what was in between.
    const first = reply[0];
    const gap = first !== undefined && (field(first[1], 'p') || ID_ZERO) !== since;
    return { entries: reply.map(toHistoryEntry), gap };
  }

  async latest(topic: string, count: number, minId?: string): Promise<HistoryEntry[]> {
    if (count <= 0) return [];
    const reply = (await this.client.sendCommand(['XREVRANGE', this.keys.history(topic), '+', minId ?? '-', 'COUNT', String(count)])) as StreamEntryReply[];
    return reply.map(toHistoryEntry).reverse();
  }

  healthy(): boolean {
    return !this.closed && this.client.isReady && (this.subscriber === null || this.subscriber.isReady);
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [this.client, this.reader, this.subscriber].filter((c): c is RedisClient => c !== null && c.isOpen);
    await Promise.all(clients.map((c) => c.destroy()));
  }

  private async readerConnection(): Promise<RedisClient> {
    if (!this.reader) {
      this.reader = createRedisClient(this.url, this.log, 'stream reader');
      await this.reader.connect();
    }
    return this.reader;
  }

  private subscriberConnection(): Promise<RedisClient> {
    this.subscriberReady ??= this.openSubscriber();
    return this.subscriberReady;
  }

  private async openSubscriber(): Promise<RedisClient> {
    const subscriber = createRedisClient(this.url, this.log, 'subscriber');
    this.subscriber = subscriber;
    let live = false;
    subscriber.once('ready', () => (live = true));
    // Pub/Sub is fire-and-forget: whatever was published while the connection
    // was down is gone from it. node-redis would quietly resubscribe, so
    // instead the connection is dropped and subscribers are told to catch up
    // from history, which is what makes the gap visible and closable.
    subscriber.once('error', () => {
      if (this.subscriber === subscriber) {
        this.subscriber = null;
        this.subscriberReady = null;
      }
      void subscriber.destroy();
      if (this.closed || !live) return;
      this.log.warn({ role: 'subscriber' }, 'Redis subscriber connection lost; subscribers will resubscribe and catch up from history');
      for (const callback of this.interruptionCallbacks) callback();
    });
    await subscriber.connect();
    return subscriber;
  }

  /** EVALSHA, falling back to EVAL once when the script cache is empty (fresh or failed-over Redis). */
  private async run(script: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return this.client.sendCommand(['EVAL', script.source, String(keys.length), ...keys, ...args]);
    }
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
