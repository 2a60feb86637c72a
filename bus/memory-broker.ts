/**
 * The in-memory broker: per-topic history with gap detection, live listeners
 * and duplicate suppression by source, the same semantics as the Redis
 * broker. History is a `PackedHistory` (typed arrays and byte pages), so
 * publishing and trimming take constant time at any size and a full history
 * costs the garbage collector next to nothing.
 */
import { encodeBody, ID_ZERO } from '../protocol/index.js';
import type { Broker, HistoryEntry, HistoryRange, PublishRequest, TopicListener, TopicPosition } from './broker.js';
import { newEpoch } from './epoch.js';
import { PackedHistory } from './packed-history.js';
import { RetentionPolicy } from './retention.js';
import { isNewerSource, StreamIdClock } from './stream-id.js';

export interface MemoryBrokerOptions {
  /** Hard cap of entries per topic history, above any retention (default 1 000 000). */
  historyMaxLen?: number;
  /** Per-topic retention (default: 10 000 messages or 10 minutes, whichever keeps more). */
  retention?: RetentionPolicy;
}

interface TopicState {
  entries: PackedHistory;
  clock: StreamIdClock;
  listeners: Set<TopicListener>;
  source: string | null;
}

export class MemoryBroker implements Broker {
  private readonly historyMaxLen: number;
  private readonly retention: RetentionPolicy;
  private readonly topics = new Map<string, TopicState>();
  /** Every topic's epoch: history lives as long as this process, so one epoch per broker. */
  private readonly epoch = newEpoch();
  private closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.historyMaxLen = options.historyMaxLen ?? 1_000_000;
    this.retention = options.retention ?? new RetentionPolicy();
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
      topic.entries.push(topic.clock.lastMs, topic.clock.lastSeq, body);
      this.trim(request.topic, topic);
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

  async position(topic: string): Promise<TopicPosition> {
    return { epoch: this.epoch, top: this.topics.get(topic)?.clock.last ?? ID_ZERO };
  }

  async positions(topics: readonly string[]): Promise<TopicPosition[]> {
    return topics.map((topic) => ({ epoch: this.epoch, top: this.topics.get(topic)?.clock.last ?? ID_ZERO }));
  }

  async history(topic: string, since: string, limit: number): Promise<HistoryRange> {
    const state = this.topics.get(topic);
    if (!state) return { entries: [], gap: false };
    const start = state.entries.position(since);
    const entries = state.entries.slice(start, start + limit);
    // The same rule as the Redis broker: a gap unless the first entry after
    // `since` directly follows it (the first entry ever follows "0-0").
    const predecessor = start > 0 ? state.entries.idAt(start - 1) : state.entries.lastDroppedId();
    return { entries, gap: entries.length > 0 && predecessor !== since };
  }

  async latest(topic: string, count: number, minId?: string): Promise<HistoryEntry[]> {
    const state = this.topics.get(topic);
    if (!state || count <= 0) return [];
    const from = Math.max(state.entries.length - count, minId === undefined ? 0 : state.entries.position(minId, true));
    return state.entries.slice(from);
  }

  /**
   * Applies retention: drops the oldest entries while more than the rule's
   * `messages` remain and the oldest is older than its `ageMs`, then the
   * hard cap. Amortized constant time per publish.
   */
  private trim(name: string, topic: TopicState): void {
    const { entries } = topic;
    const { messages, ageMs } = this.retention.of(name);
    if (entries.length <= messages && entries.length <= this.historyMaxLen) return;
    const cutoff = Date.now() - ageMs;
    let drop = 0;
    while (entries.length - drop > messages && entries.msAt(drop) < cutoff) drop++;
    drop = Math.max(drop, entries.length - this.historyMaxLen);
    entries.dropFirst(drop);
  }

  /** Later publishes and subscribes fail. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (!state) {
      state = { entries: new PackedHistory(), clock: new StreamIdClock(), listeners: new Set(), source: null };
      this.topics.set(name, state);
    }
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}

