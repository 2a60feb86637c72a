/**
 * The ingest log on Redis: one stream per partition, read through a consumer
 * group. Appends never trim; `trimAcknowledged` removes only what every group
 * has acknowledged. Blocking reads get a connection of their own; everything else shares
 * the bus's command connection.
 */
import type { IngestEntry, IngestEvent, IngestLog, PartitionBacklog, ReadOptions } from './ingest-log.js';
import { checkEvent } from './ingest-event.js';
import type { KeyNames } from './keys.js';
import { partitionOf } from './partition.js';
import { createRedisClient, type BusLogger, type RedisClient } from './redis-connection.js';
import { runScript, TRIM_ACKED } from './redis-scripts.js';

export interface RedisIngestLogOptions {
  /** Ingest stream partitions. Every service must use the same number. */
  partitions: number;
}

type Fields = string[];
type StreamEntryReply = [string, Fields | null];

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

export class RedisIngestLog implements IngestLog {
  readonly partitions: number;
  private reader: RedisClient | null = null;
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly url: string,
    private readonly keys: KeyNames,
    private readonly log: BusLogger,
    options: RedisIngestLogOptions,
  ) {
    this.partitions = options.partitions;
  }

  partitionOf(topic: string): number {
    return partitionOf(topic, this.partitions);
  }

  async append(events: IngestEvent[]): Promise<string[]> {
    return Promise.all(
      events.map((event) => {
        const args = ['XADD', this.keys.ingest(this.partitionOf(event.topic)), '*', 'topic', event.topic, 'ts', String(event.ts)];
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

  async trimAcknowledged(): Promise<PartitionBacklog[]> {
    return Promise.all(
      Array.from({ length: this.partitions }, async (_, partition) => {
        const [entries, oldestAgeMs] = (await runScript(this.client, TRIM_ACKED, [this.keys.ingest(partition)], [])) as [number, number];
        return { partition, entries, oldestAgeMs };
      }),
    );
  }

  /** Closes the blocking-read connection; a read in progress resolves empty. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reader?.isOpen) await this.reader.destroy();
  }

  private async readerConnection(): Promise<RedisClient> {
    if (!this.reader) {
      this.reader = createRedisClient(this.url, this.log, 'stream reader');
      await this.reader.connect();
    }
    return this.reader;
  }
}
