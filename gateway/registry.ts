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
import { encodeMessage } from '../protocol/index.js';
import type { FlushTarget } from './flush-scheduler.js';

/** What a subscription's session must offer to the registry and the flush. */
export interface SubscriptionHolder extends FlushTarget {
  /** Takes a live message that arrived while the subscription was catching up. */
  backlogged(subscription: Subscription, id: string, encoded: Buffer): void;
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

  constructor(
    readonly holder: SubscriptionHolder,
    readonly topic: string,
    since: string | null,
  ) {
    this.lastId = since;
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
    // Catch-up state is not needed any more; an id may be a slice that keeps a whole bus message alive.
    subscription.lastId = null;
    subscription.backlog = null;
    entry.live.add(subscription);
  }

  /** Removes a subscription; the last one out releases the bus subscription. */
  leave(subscription: Subscription): void {
    const entry = subscription.entry;
    if (!entry) return;
    subscription.entry = null;
    if (!entry.live.delete(subscription) && !entry.catching.delete(subscription)) return;
    this.subscriptionCount--;
    // A batch nobody live will read is dropped, so a batch is always the topic's latest messages.
    if (entry.live.size === 0) {
      entry.batch = [];
      entry.ids = [];
    }
    if (entry.live.size > 0 || entry.catching.size > 0) return;
    if (this.topics.get(entry.topic) === entry) this.topics.delete(entry.topic);
    entry.batch = [];
    entry.ids = [];
    if (entry.release) void entry.release().catch(() => {});
  }

  private received(entry: TopicEntry, id: string, body: string): void {
    const encoded = Buffer.from(encodeMessage(entry.topic, id, body));
    entry.received++;
    for (const subscription of entry.catching) subscription.holder.backlogged(subscription, id, encoded);
    if (entry.live.size === 0) return;
    if (entry.batch.length === 0) this.sink.markTopic(entry);
    entry.batch.push(encoded);
    entry.ids.push(id);
  }
}
