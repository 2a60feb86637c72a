/**
 * The in-memory ingest log: a real single-process engine with the same
 * semantics as the Redis one (consumer groups with pending entries, takeover),
 * not a mock. Entries are removed only once every consumer group has
 * acknowledged them (the Redis engine's rule). Partition storage is an
 * `EntryQueue`, so appends and trims take constant time at any size.
 */
import { ID_ZERO } from '../protocol/index.js';
import { EntryQueue } from './entry-queue.js';
import { IDEMPOTENCY_WINDOW_MS, type AppendOptions, type FencedRead, type IngestEntry, type IngestEvent, type IngestLog, type PartitionBacklog, type ReadOptions } from './ingest-log.js';
import { partitionOf } from './partition.js';
import { StreamIdClock } from './stream-id.js';

export interface MemoryIngestLogOptions {
  /** Ingest stream partitions (default 4). */
  partitions?: number;
}

interface StoredEntry {
  id: string;
  event: IngestEvent;
}

interface Group {
  lastDelivered: string;
  /** Delivered but unacknowledged entries, in delivery order. */
  pending: Map<string, { consumer: string; entry: StoredEntry }>;
}

interface PartitionState {
  entries: EntryQueue<StoredEntry>;
  groups: Map<string, Group>;
  clock: StreamIdClock;
}

/** The milliseconds part of a stream id. */
function idMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

export class MemoryIngestLog implements IngestLog {
  readonly partitions: number;
  private readonly parts: PartitionState[];
  /** Idempotency marks and when they expire (ms). */
  private readonly seen = new Map<string, number>();
  /** Blocked readers, woken by any append. */
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(options: MemoryIngestLogOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.parts = Array.from({ length: this.partitions }, () => ({ entries: new EntryQueue<StoredEntry>(), groups: new Map(), clock: new StreamIdClock() }));
  }

  partitionOf(topic: string): number {
    return partitionOf(topic, this.partitions);
  }

  async append(events: readonly IngestEvent[], options: AppendOptions = {}): Promise<(string | null)[]> {
    this.assertOpen();
    const now = Date.now();
    const expires = now + (options.windowMs ?? IDEMPOTENCY_WINDOW_MS);
    this.forgetExpired(now);
    // The Redis engine's rule: a request key is claimed once per partition
    // and covers all of the request's events there; an event id covers one
    // event, so its second use is a duplicate even within one request.
    const requestClaims = new Map<number, boolean>();
    const ids = events.map((event, i) => {
      const partition = this.partitionOf(event.topic);
      let requestDuplicate = false;
      if (options.requestKey !== undefined) {
        let claimed = requestClaims.get(partition);
        if (claimed === undefined) {
          claimed = this.claim(`${partition} r ${options.requestKey}`, now, expires);
          requestClaims.set(partition, claimed);
        }
        requestDuplicate = !claimed;
      }
      const eventId = options.eventIds?.[i];
      const idDuplicate = eventId !== undefined && !this.claim(`${partition} e ${event.topic} ${eventId}`, now, expires);
      if (requestDuplicate || idDuplicate) return null;
      const part = this.parts[partition];
      const id = part.clock.next();
      part.entries.push({ id, event });
      return id;
    });
    if (ids.length > 0) this.wake();
    return ids;
  }

  /** SET NX PX: true when `mark` was free (or expired) and is now taken until `expires`. */
  private claim(mark: string, now: number, expires: number): boolean {
    const until = this.seen.get(mark);
    if (until !== undefined && until > now) return false;
    this.seen.delete(mark);
    this.seen.set(mark, expires);
    return true;
  }

  /** Drops expired marks from the front (insertion order is expiry order for one window). */
  private forgetExpired(now: number): void {
    for (const [mark, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(mark);
    }
  }

  async ensureGroup(group: string): Promise<void> {
    for (const part of this.parts) {
      if (!part.groups.has(group)) part.groups.set(group, { lastDelivered: ID_ZERO, pending: new Map() });
    }
  }

  async takeOverPending(group: string, consumer: string, partition: number): Promise<number> {
    const g = this.group(group, partition);
    for (const slot of g.pending.values()) slot.consumer = consumer;
    return g.pending.size;
  }

  async read(group: string, consumer: string, partitions: readonly number[], options: ReadOptions): Promise<IngestEntry[]> {
    this.assertOpen();
    if (options.pending) return this.readPending(group, consumer, partitions, options.count);
    const deadline = Date.now() + options.blockMs;
    for (;;) {
      const out = this.readNew(group, consumer, partitions, options.count);
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || this.closed) return out;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiter = (): void => done();
        function done(): void {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        }
        const waiters = this.waiters;
        waiters.add(waiter);
      });
    }
  }

  async ack(group: string, entries: readonly Pick<IngestEntry, 'partition' | 'id'>[]): Promise<void> {
    const touched = new Set<number>();
    for (const { partition, id } of entries) {
      this.group(group, partition).pending.delete(id);
      touched.add(partition);
    }
    // Trimming right away keeps memory bounded by the backlog even in a
    // process that never asks for it (a processor without ingest).
    for (const partition of touched) this.trim(this.parts[partition]);
  }

  async trimAcknowledged(): Promise<PartitionBacklog[]> {
    const now = Date.now();
    return this.parts.map((part, partition) => {
      this.trim(part);
      const oldest = part.entries.at(0);
      return { partition, entries: part.entries.length, oldestAgeMs: oldest ? Math.max(0, now - idMs(oldest.id)) : 0 };
    });
  }

  /** In one process no lease is lost to a pause, so nothing is ever refused. */
  async readFenced(leases: ReadonlyMap<number, string>, group: string, consumer: string, options: ReadOptions): Promise<FencedRead> {
    return { entries: await this.read(group, consumer, [...leases.keys()], options), refused: [] };
  }

  /** Ends blocked reads (they resolve empty); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private readNew(group: string, consumer: string, partitions: readonly number[], count: number): IngestEntry[] {
    const out: IngestEntry[] = [];
    for (const partition of partitions) {
      const part = this.part(partition);
      const g = this.group(group, partition);
      const start = part.entries.firstAfter(g.lastDelivered);
      const batch = part.entries.slice(start, start + count);
      for (const entry of batch) {
        g.pending.set(entry.id, { consumer, entry });
        out.push({ partition, id: entry.id, event: entry.event });
      }
      if (batch.length > 0) g.lastDelivered = batch[batch.length - 1].id;
    }
    return out;
  }

  private readPending(group: string, consumer: string, partitions: readonly number[], count: number): IngestEntry[] {
    const out: IngestEntry[] = [];
    for (const partition of partitions) {
      let taken = 0;
      for (const slot of this.group(group, partition).pending.values()) {
        if (taken === count) break;
        if (slot.consumer !== consumer) continue;
        out.push({ partition, id: slot.entry.id, event: slot.entry.event });
        taken++;
      }
    }
    return out;
  }

  /** Drops the entries before the oldest one some group has not read or not acknowledged. */
  private trim(part: PartitionState): void {
    if (part.groups.size === 0) return;
    let keepFrom = Number.POSITIVE_INFINITY;
    for (const g of part.groups.values()) {
      // Pending entries are held in delivery order, which is id order.
      const oldestPending = g.pending.keys().next();
      const position = oldestPending.done ? part.entries.firstAfter(g.lastDelivered) : part.entries.firstAtOrAfter(oldestPending.value);
      keepFrom = Math.min(keepFrom, position);
    }
    if (keepFrom > 0) part.entries.dropFirst(keepFrom);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private part(partition: number): PartitionState {
    const part = this.parts[partition];
    if (!part) throw new RangeError(`partition ${partition} does not exist (0..${this.partitions - 1})`);
    return part;
  }

  private group(group: string, partition: number): Group {
    const g = this.part(partition).groups.get(group);
    if (!g) throw new Error(`NOGROUP consumer group "${group}" does not exist; call ensureGroup first`);
    return g;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
