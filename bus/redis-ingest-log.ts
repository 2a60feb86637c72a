/**
 * The ingest log on Redis: one stream per partition, read through a consumer
 * group. Appends never trim; `trimAcknowledged` removes only what every group
 * has acknowledged. Blocking reads get a connection of their own; everything else shares
 * the bus's command connection.
 */
import { IDEMPOTENCY_WINDOW_MS, type AppendOptions, type FencedRead, type IngestEntry, type IngestEvent, type IngestLog, type PartitionBacklog, type ReadOptions } from './ingest-log.js';
import { isSystemTopic, topicProblem } from '../protocol/index.js';
import { checkEvent } from './ingest-event.js';
import type { KeyNames } from './keys.js';
import { partitionOf } from './partition.js';
import { createRedisClient, type BusLogger, type RedisClient, type RedisClusterClient, type RedisLink } from './redis-connection.js';
import { APPEND, FENCED_READ, runScript, TRIM_ACKED } from './redis-scripts.js';

export interface RedisIngestLogOptions {
  /** Ingest stream partitions. Every service must use the same number. */
  partitions: number;
  /**
   * Replicas that must have every appended batch before its append resolves
   * (`WAIT n timeoutMs` after the batch; 0 = don't wait). A batch that fewer
   * replicas confirm in time fails with `ReplicaAckError` (ingest answers
   * 503; a retry with the same keys cannot append twice).
   */
  waitReplicas?: number;
  /** How long `WAIT` may take, in ms (default 1 000). */
  waitTimeoutMs?: number;
}

/** Fewer replicas than required confirmed an append in time: it may be lost by a failover, so it is not acknowledged. */
export class ReplicaAckError extends Error {
  readonly code = 'redis_replica_ack_missing';
}

type Fields = string[];

/** Most events in one append script call: bounds how long Redis is busy with one. */
const MAX_EVENTS_PER_CALL = 2000;

/** One append call waiting for its ids. */
interface AppendRequest {
  ids: (string | null)[];
  remaining: number;
  failed: boolean;
  resolve(ids: (string | null)[]): void;
  reject(error: Error): void;
}

/** Events of several append calls bound for one partition, written by one script call. */
interface Batch {
  partition: number;
  windowMs: string;
  keys: string[];
  keyIndex: Map<string, number>;
  /** Which request each request key in this batch belongs to. */
  requestOwners: Map<string, AppendRequest>;
  argv: string[];
  events: number;
  /** Where each event's id goes: its request and its index there. */
  targets: AppendRequest[];
  positions: number[];
}
type StreamEntryReply = [string, Fields | null];
/** FENCED_READ's entries: one flat array (see the script for its layout). */
type FencedEntries = (string | number)[];

/**
 * The number that `text.slice(start, end)` holds when it is 1 to 15 ASCII
 * digits (exactly what Number() makes of it: below 2^53, so exact), else NaN.
 */
function digitsAt(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return Number.NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

/** Appends the entries of one partition's FENCED_READ reply to `out`. */
function decodeFencedEntries(partition: number, flat: FencedEntries, now: number, out: IngestEntry[]): void {
  let i = 0;
  while (i < flat.length) {
    const head = flat[i] as string;
    const idEnd = head.indexOf(' ');
    if (idEnd !== -1) {
      // `<id> <topic> <ts> <value>`: none of them holds a space.
      const topicEnd = head.indexOf(' ', idEnd + 1);
      const tsEnd = head.indexOf(' ', topicEnd + 1);
      const id = head.slice(0, idEnd);
      const topic = head.slice(idEnd + 1, topicEnd);
      // Plain integers (what ingest writes for ts, and often for value) are read in place.
      const ts = digitsAt(head, topicEnd + 1, tsEnd);
      const value = head.charCodeAt(tsEnd + 1) === 45 /* - */ ? -digitsAt(head, tsEnd + 2, head.length) : digitsAt(head, tsEnd + 1, head.length);
      if (!Number.isNaN(ts) && !Number.isNaN(value) && topicProblem(topic) === null && !isSystemTopic(topic)) {
        out.push({ partition, id, event: { topic, ts, value } });
      } else {
        out.push(valueEntry(partition, id, topic, head.slice(topicEnd + 1, tsEnd), head.slice(tsEnd + 1), now));
      }
      i += 1;
      continue;
    }
    const form = flat[i + 1] as number;
    if (form < 0) {
      out.push(toEntry(partition, head, null, now));
      i += 2;
    } else {
      out.push(toEntry(partition, head, flat.slice(i + 2, i + 2 + form) as Fields, now));
      i += 2 + form;
    }
  }
}

/** A numeric stream field as the entry format reads it: `Number()`, except that empty or blank text is NaN, not 0. */
function numberField(text: string): number {
  const n = Number(text);
  // Number() gives 0 for blank text: only then is the trim needed.
  return n === 0 && text.trim() === '' ? Number.NaN : n;
}

function fieldsToEvent(fields: Fields | null, now: number): { event: IngestEvent | null; problem?: string } {
  if (!fields) return { event: null, problem: 'entry was trimmed before it was processed' };
  const raw: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (name === 'ts' || name === 'value') {
      raw[name] = numberField(value);
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

/**
 * The entry of an event stored as exactly `topic ts value` (FENCED_READ's
 * short form): the event checkEvent would make of it, built without the
 * intermediate object; anything checkEvent would refuse or change goes
 * through fieldsToEvent, so both give the same result and the same problem.
 */
function valueEntry(partition: number, id: string, topic: string, tsText: string, valueText: string, now: number): IngestEntry {
  const ts = numberField(tsText);
  const value = numberField(valueText);
  if (Number.isSafeInteger(ts) && ts >= 0 && Number.isFinite(value) && topicProblem(topic) === null && !isSystemTopic(topic)) {
    return { partition, id, event: { topic, ts, value } };
  }
  return toEntry(partition, id, ['topic', topic, 'ts', tsText, 'value', valueText], now);
}

function toEntry(partition: number, id: string, fields: Fields | null, now: number): IngestEntry {
  const { event, problem } = fieldsToEvent(fields, now);
  const entry: IngestEntry = { partition, id, event };
  if (problem) {
    entry.problem = problem;
    if (fields) entry.raw = Object.fromEntries(Array.from({ length: fields.length >> 1 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));
  }
  return entry;
}

export class RedisIngestLog implements IngestLog {
  readonly partitions: number;
  private readonly waitArgs: string[] | null;
  private reader: RedisClient | null = null;
  /** Cluster only: each partition's blocking-read connection, and its wait in progress. */
  private readonly partitionReaders = new Map<number, Promise<RedisClusterClient>>();
  private readonly partitionWaits = new Map<number, Promise<unknown>>();
  /** Group commit: batches being filled this turn (one per partition) and full ones. */
  private readonly open = new Map<number, Batch>();
  private full: Batch[] = [];
  private flushScheduled = false;
  /** When each partition was last trimmed behind an acknowledgement. */
  private readonly lastTrim = new Map<number, number>();
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeyNames,
    private readonly log: BusLogger,
    options: RedisIngestLogOptions,
  ) {
    this.partitions = options.partitions;
    const replicas = options.waitReplicas ?? 0;
    this.waitArgs = replicas > 0 ? ['WAIT', String(replicas), String(options.waitTimeoutMs ?? 1000)] : null;
  }

  partitionOf(topic: string): number {
    return partitionOf(topic, this.partitions);
  }

  /**
   * Group commit: events of every append in this turn of the event loop are
   * queued per partition and written at the end of the turn, one script call
   * per partition (per 2 000 events), pipelined together. That is one Redis
   * command, one promise and one command timeout per batch instead of per
   * event.
   */
  append(events: readonly IngestEvent[], options: AppendOptions = {}): Promise<(string | null)[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const request: AppendRequest = { ids: new Array<string | null>(events.length).fill(null), remaining: events.length, failed: false, resolve, reject };
      const windowMs = String(options.windowMs ?? IDEMPOTENCY_WINDOW_MS);
      const requestMark = options.requestKey === undefined ? null : `r ${options.requestKey}`;
      // A request's events of one partition go to one batch, whole: its
      // request key is claimed once, so a retry is skipped whole or not at all.
      const byPartition = new Map<number, number[]>();
      for (let i = 0; i < events.length; i++) {
        const partition = this.partitionOf(events[i].topic);
        const indices = byPartition.get(partition);
        if (indices) indices.push(i);
        else byPartition.set(partition, [i]);
      }
      for (const [partition, indices] of byPartition) {
        const batch = this.batchFor(partition, windowMs, requestMark, request);
        const requestKey = requestMark === null ? 0 : this.keyIndex(batch, requestMark);
        const { argv } = batch;
        for (const i of indices) {
          const event = events[i];
          const eventId = options.eventIds?.[i];
          const idKey = eventId === undefined ? 0 : this.keyIndex(batch, `e ${event.topic} ${eventId}`);
          const fields = 4 + (event.value === undefined ? 0 : 2) + (event.data === undefined ? 0 : 2);
          argv.push(String(requestKey), String(idKey), String(fields), 'topic', event.topic, 'ts', String(event.ts));
          if (event.value !== undefined) argv.push('value', String(event.value));
          if (event.data !== undefined) argv.push('data', JSON.stringify(event.data));
          batch.targets.push(request);
          batch.positions.push(i);
        }
        batch.events += indices.length;
        if (requestMark !== null) batch.requestOwners.set(requestMark, request);
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * The batch to add a request's events of `partition` to: a new one when the
   * open one is full, uses another window, or holds the same request key
   * from another request (the later one must see the earlier one's claim).
   */
  private batchFor(partition: number, windowMs: string, requestMark: string | null, request: AppendRequest): Batch {
    let batch = this.open.get(partition);
    const owner = requestMark === null ? undefined : batch?.requestOwners.get(requestMark);
    if (!batch || batch.events >= MAX_EVENTS_PER_CALL || batch.windowMs !== windowMs || (owner !== undefined && owner !== request)) {
      if (batch) this.full.push(batch);
      batch = { partition, windowMs, keys: [], keyIndex: new Map(), requestOwners: new Map(), argv: [windowMs], events: 0, targets: [], positions: [] };
      this.open.set(partition, batch);
    }
    return batch;
  }

  /** KEYS index (1-based, after the stream) of an idempotency mark in this batch. */
  private keyIndex(batch: Batch, mark: string): number {
    let index = batch.keyIndex.get(mark);
    if (index === undefined) {
      batch.keys.push(this.keys.seen(batch.partition, mark));
      index = batch.keys.length + 1;
      batch.keyIndex.set(mark, index);
    }
    return index;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batches = [...this.full, ...this.open.values()];
    this.full = [];
    this.open.clear();
    const client = this.link.commands;
    const written = batches.map((batch) => runScript(client, APPEND, [this.keys.ingest(batch.partition), ...batch.keys], batch.argv));
    // With replicas to wait for, the batches of this flush resolve only once
    // WAIT (after all of them, on the same connection: it counts that
    // connection's writes) says enough replicas have them.
    const replicated = this.waitArgs === null ? null : this.replicated(written, batches);
    batches.forEach((batch, b) => {
      (replicated === null ? written[b] : Promise.all([written[b], replicated]).then(([reply]) => reply)).then(
        (reply) => {
          const ids = reply as (string | null)[];
          for (let i = 0; i < batch.events; i++) {
            const request = batch.targets[i];
            if (request.failed) continue;
            request.ids[batch.positions[i]] = ids[i] ?? null;
            if (--request.remaining === 0) request.resolve(request.ids);
          }
        },
        (error: Error) => {
          for (const request of new Set(batch.targets)) {
            if (request.failed) continue;
            request.failed = true;
            request.reject(error);
          }
        },
      );
    });
  }

  private async replicated(written: Promise<unknown>[], batches: Batch[]): Promise<void> {
    const { cluster, commands } = this.link;
    await Promise.allSettled(written);
    const args = this.waitArgs!;
    const [, required, timeoutMs] = args;
    // In a Cluster each partition's master counts its own writes: one WAIT
    // per partition written, routed like its appends (same node connection).
    const counts = cluster
      ? await Promise.all([...new Set(batches.map((b) => b.partition))].map((p) => cluster.sendCommand(this.keys.ingest(p), false, args)))
      : [await commands.sendCommand(args)];
    const count = Math.min(...counts.map(Number));
    if (count < Number(required)) {
      throw new ReplicaAckError(`only ${count} of ${required} Redis replica(s) confirmed the append within ${timeoutMs} ms (RT_REDIS_WAIT_REPLICAS, RT_REDIS_WAIT_TIMEOUT_MS); it was not acknowledged (a retry with the same keys cannot append twice)`);
    }
  }

  async ensureGroup(group: string): Promise<void> {
    await Promise.all(
      Array.from({ length: this.partitions }, async (_, p) => {
        try {
          await this.link.commands.sendCommand(['XGROUP', 'CREATE', this.keys.ingest(p), group, '0', 'MKSTREAM']);
        } catch (error) {
          if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
        }
      }),
    );
  }

  async takeOverPending(group: string, consumer: string, partition: number): Promise<number> {
    let cursor = '0-0';
    let moved = 0;
    do {
      const reply = (await this.link.commands.sendCommand(['XAUTOCLAIM', this.keys.ingest(partition), group, consumer, '0', cursor, 'COUNT', '1000', 'JUSTID'])) as [string, string[]];
      cursor = reply[0];
      moved += reply[1].length;
    } while (cursor !== '0-0');
    return moved;
  }

  async read(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]> {
    if (partitions.length === 0) return [];
    if (this.link.cluster) return this.readAcrossSlots(group, consumer, partitions, options);
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(options.count)];
    if (!options.pending) args.push('BLOCK', String(Math.max(1, options.blockMs)));
    args.push('STREAMS', ...partitions.map((p) => this.keys.ingest(p)), ...partitions.map(() => (options.pending ? '0' : '>')));
    // A blocking read holds its connection, so it gets one of its own.
    const connection = options.pending ? this.link.commands : await this.readerConnection();
    let reply: [string, StreamEntryReply[]][] | null;
    try {
      reply = (await connection.sendCommand(args)) as [string, StreamEntryReply[]][] | null;
    } catch (error) {
      if (this.closed) return [];
      throw error;
    }
    return this.groupReply(reply, partitions);
  }

  /**
   * `read` on a Cluster, where one command cannot name streams of several
   * slots and a blocking command would hold a node connection every role
   * shares: each partition is read without blocking; when nothing came, the
   * reader waits (one blocking XREAD per partition, each on a connection of
   * its own) for anything after the newest ids taken before reading, then
   * reads once more.
   */
  private async readAcrossSlots(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]> {
    const readAll = async (): Promise<IngestEntry[]> => {
      const replies = await Promise.all(
        partitions.map((p) => this.link.commands.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(options.count), 'STREAMS', this.keys.ingest(p), options.pending ? '0' : '>'])),
      );
      return replies.flatMap((reply) => this.groupReply(reply as [string, StreamEntryReply[]][] | null, partitions));
    };
    if (options.pending || options.blockMs <= 0) return readAll();
    const newest = await Promise.all(partitions.map(async (p): Promise<[number, string]> => [p, await this.newestId(p)]));
    const first = await readAll();
    if (first.length > 0) return first;
    await this.waitForAny(newest, options.blockMs);
    return this.closed ? [] : readAll();
  }

  private async newestId(partition: number): Promise<string> {
    const reply = (await this.link.commands.sendCommand(['XREVRANGE', this.keys.ingest(partition), '+', '-', 'COUNT', '1'])) as StreamEntryReply[];
    return reply[0]?.[0] ?? '0-0';
  }

  private groupReply(reply: [string, StreamEntryReply[]][] | null, partitions: readonly number[]): IngestEntry[] {
    if (!reply) return [];
    const now = Date.now();
    const out: IngestEntry[] = [];
    for (const [key, entries] of reply) {
      const partition = partitions[partitions.findIndex((p) => this.keys.ingest(p) === key)];
      for (const [id, fields] of entries) out.push(toEntry(partition, id, fields, now));
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
    await Promise.all([...byPartition].map(([p, ids]) => this.link.commands.sendCommand(['XACK', this.keys.ingest(p), group, ...ids])));
    // Trim behind the acknowledgements too (at most once a second per
    // partition), so streams stay bounded when only direct producers write
    // and no ingest process runs its backlog guard.
    const now = Date.now();
    for (const p of byPartition.keys()) {
      if (now - (this.lastTrim.get(p) ?? 0) < 1000) continue;
      this.lastTrim.set(p, now);
      runScript(this.link.commands, TRIM_ACKED, [this.keys.ingest(p)], []).catch(() => {
        // Trimming only bounds memory; the next acknowledgement tries again.
      });
    }
  }

  async trimAcknowledged(): Promise<PartitionBacklog[]> {
    return Promise.all(
      Array.from({ length: this.partitions }, async (_, partition) => {
        const [entries, oldestAgeMs] = (await runScript(this.link.commands, TRIM_ACKED, [this.keys.ingest(partition)], [])) as [number, number];
        return { partition, entries, oldestAgeMs };
      }),
    );
  }

  async readFenced(leases: ReadonlyMap<number, string>, group: string, consumer: string, options: ReadOptions): Promise<FencedRead> {
    const partitions = [...leases.keys()];
    // Scripts cannot block, so each partition is read by one fenced script
    // (pipelined), and only when all came back empty does the reader wait,
    // with XREAD BLOCK after each stream's newest id, for something to arrive.
    const replies = await Promise.all(
      partitions.map((p) => runScript(this.link.commands, FENCED_READ, [this.keys.ingest(p), this.keys.lease(p)], [leases.get(p)!, group, consumer, String(options.count), options.pending ? '0' : '>'])),
    );
    const now = Date.now();
    const entries: IngestEntry[] = [];
    const refused: number[] = [];
    const newest: [number, string][] = [];
    replies.forEach((reply, i) => {
      const partition = partitions[i];
      if (reply === -1) refused.push(partition);
      else if (typeof reply === 'string') newest.push([partition, reply]);
      else decodeFencedEntries(partition, reply as FencedEntries, now, entries);
    });
    if (entries.length === 0 && !options.pending && newest.length > 0 && options.blockMs > 0) await this.waitForAny(newest, options.blockMs);
    return { entries, refused };
  }

  /**
   * Waits up to `blockMs` for an entry after the given id on any of the
   * partitions: one XREAD BLOCK over all of them on the reader connection,
   * or, on a Cluster (streams of different slots), one per partition on a
   * connection of its own; a partition's wait still running from an earlier
   * call is joined rather than queued behind.
   */
  private async waitForAny(newest: readonly [number, string][], blockMs: number): Promise<void> {
    try {
      if (!this.link.cluster) {
        const args = ['XREAD', 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', ...newest.map(([p]) => this.keys.ingest(p)), ...newest.map(([, id]) => id)];
        await (await this.readerConnection()).sendCommand(args);
        return;
      }
      await Promise.race(
        newest.map(([p, id]) => {
          let wait = this.partitionWaits.get(p);
          if (!wait) {
            const key = this.keys.ingest(p);
            wait = this.partitionReader(p)
              .then((reader) => reader.sendCommand(key, false, ['XREAD', 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', key, id]))
              .finally(() => this.partitionWaits.delete(p));
            this.partitionWaits.set(p, wait);
          }
          return wait;
        }),
      );
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  /** A partition's blocking-read connection on a Cluster (a Cluster client of its own, connected to that slot's master only). */
  private partitionReader(partition: number): Promise<RedisClusterClient> {
    let reader = this.partitionReaders.get(partition);
    if (!reader) {
      const cluster = this.link.cluster!.duplicate({ minimizeConnections: true });
      cluster.on('error', () => {});
      cluster.on('node-error', () => {});
      reader = cluster.connect().then(() => cluster);
      reader.catch(() => this.partitionReaders.delete(partition));
      this.partitionReaders.set(partition, reader);
    }
    return reader;
  }

  /**
   * The master changed (Sentinel): the blocking-read connection still points
   * at the old one, so it is dropped (a read in progress fails, and the
   * processor retries) and reopened to the new master on the next read.
   */
  async masterChanged(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    if (reader?.isOpen) await reader.destroy();
  }

  /** Closes the blocking-read connections; a read in progress resolves empty. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reader?.isOpen) await this.reader.destroy();
    const readers = [...this.partitionReaders.values()];
    this.partitionReaders.clear();
    await Promise.all(readers.map((r) => r.then((cluster) => cluster.destroy(), () => {})));
  }

  private async readerConnection(): Promise<RedisClient> {
    if (!this.reader) {
      this.reader = createRedisClient(this.link.url, this.log, 'stream reader');
      await this.reader.connect();
    }
    return this.reader;
  }
}
