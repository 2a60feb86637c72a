/**
 * The in-memory bus: a real single-process engine with the same semantics as
 * the Redis bus (consumer groups with pending entries, leases, capped history
 * with gap detection, duplicate suppression by source), not a mock. It is what
 * `rt start` uses when REDIS_URL is unset.
 */
import { compareIds, encodeBody, ID_ZERO } from '../protocol/index.js';
import type {
  Bus,
  HistoryEntry,
  HistoryRange,
  IngestEntry,
  IngestEvent,
  PublishRequest,
  ReadOptions,
  TopicListener,
} from './bus.js';
import { partitionOf } from './partition.js';
import { isNewerSource, StreamIdClock } from './stream-id.js';

export interface MemoryBusOptions {
  /** Ingest stream partitions (default 4). */
  partitions?: number;
  /** Entries kept per ingest partition (default 100 000). */
  ingestMaxLen?: number;
  /** Entries kept per topic history (default 10 000). */
  historyMaxLen?: number;
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
  entries: StoredEntry[];
  groups: Map<string, Group>;
  clock: StreamIdClock;
  lease: { owner: string; expires: number } | null;
}

interface TopicState {
  entries: HistoryEntry[];
  /** Id of the newest entry retention removed ("0-0" while none was): the first kept entry's predecessor. */
  maxDeleted: string;
  clock: StreamIdClock;
  listeners: Set<TopicListener>;
  source: string | null;
}

/** Index of the first entry whose id is greater than `id` (entries are sorted). */
function firstAfter<T extends { id: string }>(entries: readonly T[], id: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(entries[mid].id, id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryBus implements Bus {
  readonly partitions: number;
  private readonly ingestMaxLen: number;
  private readonly historyMaxLen: number;
  private readonly parts: PartitionState[];
  private readonly topics = new Map<string, TopicState>();
  /** Live processors and when their presence expires. */
  private readonly members = new Map<string, number>();
  /** Blocked readers, woken by any append. */
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.ingestMaxLen = options.ingestMaxLen ?? 100_000;
    this.historyMaxLen = options.historyMaxLen ?? 10_000;
    this.parts = Array.from({ length: this.partitions }, () => ({
      entries: [],
      groups: new Map(),
      clock: new StreamIdClock(),
      lease: null,
    }));
  }

  partitionOf(topic: string): number {
    return partitionOf(topic, this.partitions);
  }

  async append(events: IngestEvent[]): Promise<string[]> {
    this.assertOpen();
    const ids = events.map((event) => {
      const part = this.parts[this.partitionOf(event.topic)];
      const id = part.clock.next();
      part.entries.push({ id, event });
      if (part.entries.length > this.ingestMaxLen) part.entries.splice(0, part.entries.length - this.ingestMaxLen);
      return id;
    });
    if (ids.length > 0) this.wake();
    return ids;
  }

  async ensureGroup(group: string): Promise<void> {
    for (const part of this.parts) {
      if (!part.groups.has(group)) part.groups.set(group, { lastDelivered: ID_ZERO, pending: new Map() });
    }
  }

  async lease(partition: number, owner: string, ttlMs: number): Promise<boolean> {
    const part = this.part(partition);
    const now = Date.now();
    if (part.lease && part.lease.expires > now && part.lease.owner !== owner) return false;
    part.lease = { owner, expires: now + ttlMs };
    return true;
  }

  async releaseLease(partition: number, owner: string): Promise<void> {
    const part = this.part(partition);
    if (part.lease?.owner === owner) part.lease = null;
  }

  async presence(member: string, ttlMs: number): Promise<number> {
    const now = Date.now();
    for (const [name, expires] of this.members) if (expires <= now) this.members.delete(name);
    this.members.set(member, now + ttlMs);
    return this.members.size;
  }

  async leavePresence(member: string): Promise<void> {
    this.members.delete(member);
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
    for (const { partition, id } of entries) this.group(group, partition).pending.delete(id);
  }

  async publish(requests: readonly PublishRequest[]): Promise<(string | null)[]> {
    this.assertOpen();
    return requests.map((request) => {
      const topic = this.topic(request.topic);
      if (request.source) {
        if (!isNewerSource(request.source, topic.source)) return null;
        topic.source = `${request.source.partition}/${request.source.id}`;
      }
      const id = topic.clock.next();
      const body = encodeBody(request.body);
      topic.entries.push({ id, body });
      if (topic.entries.length > this.historyMaxLen) {
        const drop = topic.entries.length - this.historyMaxLen;
        topic.maxDeleted = topic.entries[drop - 1].id;
        topic.entries.splice(0, drop);
      }
      for (const listener of topic.listeners) {
        try {
          listener(id, body);
        } catch {
          // A failing subscriber must not stop the publisher or other subscribers.
        }
      }
      return id;
    });
  }

  async subscribe(topic: string, listener: TopicListener): Promise<() => Promise<void>> {
    this.assertOpen();
    const state = this.topic(topic);
    // Wrap so that subscribing the same function twice gives two subscriptions.
    const own: TopicListener = (id, body) => listener(id, body);
    state.listeners.add(own);
    return async () => {
      state.listeners.delete(own);
      // Forget topics nobody listens to and nothing was published on.
      if (state.listeners.size === 0 && state.entries.length === 0 && state.source === null) this.topics.delete(topic);
    };
  }

  onInterruption(): void {
    // In-process delivery cannot be interrupted.
  }

  async history(topic: string, since: string, limit: number): Promise<HistoryRange> {
    const state = this.topics.get(topic);
    if (!state) return { entries: [], gap: false };
    const start = firstAfter(state.entries, since);
    const entries = state.entries.slice(start, start + limit);
    // The same rule as the Redis bus: a gap unless the first entry after
    // `since` directly follows it (the first entry ever follows "0-0").
    const predecessor = start > 0 ? state.entries[start - 1].id : state.maxDeleted;
    return { entries, gap: entries.length > 0 && predecessor !== since };
  }

  async latest(topic: string, count: number, minId?: string): Promise<HistoryEntry[]> {
    const state = this.topics.get(topic);
    if (!state || count <= 0) return [];
    const newest = state.entries.slice(-count);
    return minId === undefined ? newest : newest.filter((e) => compareIds(e.id, minId) >= 0);
  }

  healthy(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  private readNew(group: string, consumer: string, partitions: readonly number[], count: number): IngestEntry[] {
    const out: IngestEntry[] = [];
    for (const partition of partitions) {
      const part = this.part(partition);
      const g = this.group(group, partition);
      const start = firstAfter(part.entries, g.lastDelivered);
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

  private topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (!state) {
      state = { entries: [], maxDeleted: ID_ZERO, clock: new StreamIdClock(), listeners: new Set(), source: null };
      this.topics.set(name, state);
    }
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
