/**
 * The subscription registry: topic → local subscriptions. However many
 * sessions want a topic, the gateway process holds one bus subscription for
 * it, taken when the first session joins and released when the last one
 * leaves.
 *
 * A live message is serialized and UTF-8 encoded once here and appended to its topic's batch
 * for this tick; nothing is done per recipient until the flush, which sends
 * the whole batch as one frame built once and shared by every subscriber
 * whose tick holds nothing else (see FlushScheduler). Subscriptions still
 * catching up (reading history) get each message in their backlog instead.
 */
import type { Broker } from '../bus/index.js';
import { encodeMessage, type DeliveryMode } from '../protocol/index.js';
import type { FlushTarget } from './flush-scheduler.js';

/** What a subscription's session must offer to the registry and the flush. */
export interface SubscriptionHolder extends FlushTarget {
  /** Takes a live message that arrived while the subscription was catching up. */
  backlogged(subscription: Subscription, id: string, encoded: Buffer): void;
  /**
   * Takes `batch[from..]` for a subscription that is rate limited or whose
   * connection is backed up; `previousId` is the id of the message before
   * `batch[from]` (null if none).
   */
  hold(subscription: Subscription, batch: readonly Buffer[], ids: readonly string[], from: number, previousId: string | null, now: number): void;
}

/** One session's hold on one topic. */
export class Subscription {
  /** Id of the last message queued by catch-up (null before any). */
  lastId: string | null;
  /** Live messages that arrived while history was read; null after. */
  backlog: { id: string; encoded: Buffer }[] | null = [];
  /** The backlog overflowed during catch-up: a gap must be reported. */
  overflowed = false;
  /**
   * Sequence number (see TopicEntry.received) of the last message catch-up
   * took care of; the flush sends this subscription only later ones. An
   * integer comparison, so the live path never compares id strings.
   */
  liveAfter = 0;
  /** Set by the registry while the subscription is joined. */
  entry: TopicEntry | null = null;
  /** Bytes in `backlog`, bounded like a connection's buffer. */
  backlogBytes = 0;
  /** Delivery mode when backed up; null until the first message held back decides it by the topic's kind. */
  mode: DeliveryMode | null;
  /** Least milliseconds between two messages sent (from `maxRate`); 0 = no rate limit. */
  readonly rateMs: number;
  /** Earliest time (ms) the next message may be sent, when rate limited. */
  nextAt = 0;
  /** `latest` mode: the newest message held back (conflated), or null. */
  held: Buffer | null = null;
  /** `all` mode: the messages held back while the connection drains, and their ids. */
  heldAll: Buffer[] | null = null;
  heldIds: string[] | null = null;
  /** `all` mode: id of the last message sent before holding began (where a replay resumes). */
  deliveredId: string | null = null;
  /** Listed in its session's held set. */
  holding = false;
  /** Pending end-of-interval send, when rate limited. */
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly holder: SubscriptionHolder,
    readonly topic: string,
    since: string | null,
    options: { mode?: DeliveryMode; maxRate?: number } = {},
  ) {
    this.lastId = since;
    this.rateMs = options.maxRate ? 1000 / options.maxRate : 0;
    this.mode = options.maxRate ? 'latest' : (options.mode ?? null);
  }
}

/** A topic with a bus subscription in this process. */
export class TopicEntry {
  /** Subscriptions that receive the topic's batches at each flush. */
  readonly live = new Set<Subscription>();
  /** Subscriptions reading history or at the seam; live messages are handed to each one by one. */
  readonly catching = new Set<Subscription>();
  /** Messages received since the last flush, serialized and UTF-8 encoded once, oldest first. */
  batch: Buffer[] = [];
  /** Their ids, for the seam when a subscription goes live mid-tick. */
  ids: string[] = [];
  /** Messages received on this topic so far; the last one in `batch` has this number. */
  received = 0;
  /** Id of the message just before `batch` (number `received - batch.length`), or null if none. */
  lastBefore: string | null = null;
  /** Resolves once the bus subscription is active. */
  ready: Promise<void> = Promise.resolve();
  release: (() => Promise<void>) | null = null;

  constructor(readonly topic: string) {}
}

/** Where topics with a batch wait for the flush. */
export interface BatchSink {
  markTopic(entry: TopicEntry): void;
}

export class Registry {
  private readonly topics = new Map<string, TopicEntry>();
  private subscriptionCount = 0;

  constructor(
    private readonly broker: Broker,
    private readonly sink: BatchSink,
  ) {}

  /** Number of topics with a bus subscription. */
  get size(): number {
    return this.topics.size;
  }

  /** Number of subscriptions held by local sessions, over all topics. */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /**
   * Adds a subscription in catch-up state; resolves once live messages of
   * the topic flow to its backlog, which is what makes "read history, then
   * live" gap-free.
   */
  async join(subscription: Subscription): Promise<void> {
    const { topic } = subscription;
    let entry = this.topics.get(topic);
    if (!entry) {
      const fresh = new TopicEntry(topic);
      fresh.ready = this.broker
        .subscribe(topic, (id, body) => this.received(fresh, id, body))
        .then((release) => {
          fresh.release = release;
          // Everyone may have left while the subscription was being made.
          if (this.topics.get(topic) !== fresh) void release();
        });
      fresh.ready.catch(() => {
        if (this.topics.get(topic) === fresh) this.topics.delete(topic);
      });
      this.topics.set(topic, fresh);
      entry = fresh;
    }
    entry.catching.add(subscription);
    subscription.entry = entry;
    this.subscriptionCount++;
    try {
      await entry.ready;
    } catch (error) {
      this.leave(subscription);
      throw error;
    }
  }

  /**
   * Moves a caught-up subscription to the live set. Messages received so far
   * are the caller's to send (by id); the flush sends it everything after.
   * Safe to call while the registry hands the subscription a message.
   */
  goLive(subscription: Subscription): void {
    const entry = subscription.entry;
    if (!entry || !entry.catching.delete(subscription)) return;
    subscription.liveAfter = entry.received;
    // Catch-up just sent a message: a rate-limited subscription's next one waits an interval.
    if (subscription.rateMs !== 0) subscription.nextAt = Date.now() + subscription.rateMs;
    // Catch-up state is not needed any more; an id may be a slice that keeps a whole bus message alive.
    subscription.lastId = null;
    subscription.backlog = null;
    subscription.backlogBytes = 0;
    entry.live.add(subscription);
  }

  /**
   * Moves a live subscription back to catch-up state, resuming after
   * `lastId`: its session replays history from there and goes live again
   * through the same seam as a new subscription.
   */
  rejoin(subscription: Subscription, lastId: string): void {
    const entry = subscription.entry;
    if (!entry || !entry.live.delete(subscription)) return;
    subscription.lastId = lastId;
    subscription.backlog = [];
    subscription.backlogBytes = 0;
    subscription.overflowed = false;
    entry.catching.add(subscription);
  }

  /** Removes a subscription; the last one out releases the bus subscription. */
  leave(subscription: Subscription): void {
    const entry = subscription.entry;
    if (!entry) return;
    subscription.entry = null;
    if (!entry.live.delete(subscription) && !entry.catching.delete(subscription)) return;
    this.subscriptionCount--;
    // A batch nobody live will read is dropped, so a batch is always the topic's latest messages.
    if (entry.live.size === 0) this.dropBatch(entry);
    if (entry.live.size > 0 || entry.catching.size > 0) return;
    if (this.topics.get(entry.topic) === entry) this.topics.delete(entry.topic);
    this.dropBatch(entry);
    if (entry.release) void entry.release().catch(() => {});
  }

  private dropBatch(entry: TopicEntry): void {
    if (entry.ids.length > 0) entry.lastBefore = entry.ids[entry.ids.length - 1];
    entry.batch = [];
    entry.ids = [];
  }

  private received(entry: TopicEntry, id: string, body: string): void {
    const encoded = Buffer.from(encodeMessage(entry.topic, id, body));
    entry.received++;
    for (const subscription of entry.catching) subscription.holder.backlogged(subscription, id, encoded);
    if (entry.live.size === 0) {
      entry.lastBefore = id;
      return;
    }
    if (entry.batch.length === 0) this.sink.markTopic(entry);
    entry.batch.push(encoded);
    entry.ids.push(id);
  }
}
