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

/**
 * A subscription's catch-up state: from joining until the first live message
 * newer than what history gave (see Session). Dropped when it goes live.
 */
export class CatchUp {
  /** Live messages that arrived while history was read (null while there are none, and from the seam on). */
  backlog: { id: string; encoded: Buffer }[] | null = null;
  /** History is queued (the seam is reached): a live message goes through the id check instead of the backlog. */
  seamed = false;
  /** Bytes in `backlog`, bounded like a connection's buffer. */
  backlogBytes = 0;
  /** The backlog overflowed during catch-up: a gap must be reported. */
  overflowed = false;

  /** @param lastId id of the last message queued by catch-up (null before any) */
  constructor(public lastId: string | null) {}
}

/**
 * What a live subscription holds back: made for a rate-limited one when it
 * goes live, for another only once its connection backs up, and dropped
 * again when that one has nothing left to hold (see Session.hold).
 */
export class Held {
  /** Earliest time (ms) the next message may be sent, when rate limited. */
  nextAt = 0;
  /** `latest` mode: the newest message held back (conflated), or null. */
  latest: Buffer | null = null;
  /** `all` mode: the messages held back while the connection drains, and their ids. */
  all: Buffer[] | null = null;
  ids: string[] | null = null;
  /** `all` mode: id of the last message sent before holding began (where a replay resumes). */
  deliveredId: string | null = null;
  /** Listed in its session's held set. */
  listed = false;
  /** Pending end-of-interval send, when rate limited. */
  timer: NodeJS.Timeout | null = null;
}

/**
 * One session's hold on one topic. Kept small: an idle connection's live
 * subscriptions are most of what a gateway holds per connection, so the
 * state of catch-up and of holding back lives in objects of its own that
 * exist only while needed.
 */
export class Subscription {
  /** Catch-up state while reading history and at the seam; null once live. */
  catchUp: CatchUp | null;
  /** Messages held back (rate limit, backed-up connection); null when there is nothing to hold. */
  held: Held | null = null;
  /**
   * Sequence number (see TopicEntry.received) of the last message catch-up
   * took care of; the flush sends this subscription only later ones. An
   * integer comparison, so the live path never compares id strings.
   */
  liveAfter = 0;
  /** Set by the registry while the subscription is joined. */
  entry: TopicEntry | null = null;
  /** Delivery mode when backed up; null until the first message held back decides it by the topic's kind. */
  mode: DeliveryMode | null;
  /** Least milliseconds between two messages sent (from `maxRate`); 0 = no rate limit. */
  readonly rateMs: number;
  /** The next subscription of the same session (its list; see Session). */
  next: Subscription | null = null;
  /** Index in its topic's `catching` list while catching up; -1 otherwise. */
  slot = -1;

  constructor(
    readonly holder: SubscriptionHolder,
    readonly topic: string,
    since: string | null,
    options: { mode?: DeliveryMode; maxRate?: number } = {},
  ) {
    this.catchUp = new CatchUp(since);
    this.rateMs = options.maxRate ? 1000 / options.maxRate : 0;
    this.mode = options.maxRate ? 'latest' : (options.mode ?? null);
  }
}

/** A topic with a bus subscription in this process. */
export class TopicEntry {
  /** Subscriptions that receive the topic's batches at each flush. */
  readonly live = new Set<Subscription>();
  /**
   * Subscriptions reading history or at the seam; live messages are handed
   * to each one by one. A list with each one's index in `Subscription.slot`,
   * removed by moving the last into its place: subscribing storms add and
   * remove thousands, and a Set rebuilt its table again and again (garbage
   * that outlived the storm's round trips and bloated the old generation).
   */
  readonly catching: Subscription[] = [];
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
  /** Ends the bus subscription; set once it is active. */
  release: (() => Promise<void>) | null = null;

  constructor(readonly topic: string) {}
}

/** Takes a subscription off its topic's catching list; false when it was not on it. */
function uncatch(entry: TopicEntry, subscription: Subscription): boolean {
  const catching = entry.catching;
  const slot = subscription.slot;
  if (slot < 0 || catching[slot] !== subscription) return false;
  const last = catching.pop()!;
  if (last !== subscription) {
    catching[slot] = last;
    last.slot = slot;
  }
  subscription.slot = -1;
  return true;
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
   * The topic name this process already holds for `topic` (the same
   * string, not a copy), else `topic`: a subscription keeps the shared
   * name rather than the one parsed from its client's frame.
   */
  intern(topic: string): string {
    return this.topics.get(topic)?.topic ?? topic;
  }

  /**
   * Adds a subscription in catch-up state. Live messages of the topic flow
   * to its backlog once the topic's bus subscription is active, which is
   * what makes "read history, then live" gap-free: returns null when it is
   * active already, else the promise of it (shared by the topic's joiners,
   * no promise per subscription). If that promise rejects, the bus
   * subscription could not be made: the caller leaves the subscription.
   */
  join(subscription: Subscription): Promise<void> | null {
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
    subscription.slot = entry.catching.push(subscription) - 1;
    subscription.entry = entry;
    this.subscriptionCount++;
    return entry.release !== null ? null : entry.ready;
  }

  /**
   * Moves a caught-up subscription to the live set. Messages received so far
   * are the caller's to send (by id); the flush sends it everything after.
   * Safe to call while the registry hands the subscription a message.
   */
  goLive(subscription: Subscription): void {
    const entry = subscription.entry;
    if (!entry || !uncatch(entry, subscription)) return;
    subscription.liveAfter = entry.received;
    // Catch-up just sent a message: a rate-limited subscription's next one waits an interval.
    if (subscription.rateMs !== 0) (subscription.held ??= new Held()).nextAt = Date.now() + subscription.rateMs;
    // Catch-up state is not needed any more; an id may be a slice that keeps a whole bus message alive.
    subscription.catchUp = null;
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
    subscription.catchUp = new CatchUp(lastId);
    subscription.slot = entry.catching.push(subscription) - 1;
  }

  /** Removes a subscription; the last one out releases the bus subscription. */
  leave(subscription: Subscription): void {
    const entry = subscription.entry;
    if (!entry) return;
    subscription.entry = null;
    if (!entry.live.delete(subscription) && !uncatch(entry, subscription)) return;
    this.subscriptionCount--;
    // A batch nobody live will read is dropped, so a batch is always the topic's latest messages.
    if (entry.live.size === 0) this.dropBatch(entry);
    if (entry.live.size > 0 || entry.catching.length > 0) return;
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
    // Backwards: a subscription that goes live here is replaced by the last one, already handed the message.
    const catching = entry.catching;
    for (let i = catching.length - 1; i >= 0; i--) {
      if (i >= catching.length) continue;
      const subscription = catching[i];
      subscription.holder.backlogged(subscription, id, encoded);
    }
    if (entry.live.size === 0) {
      entry.lastBefore = id;
      return;
    }
    if (entry.batch.length === 0) this.sink.markTopic(entry);
    entry.batch.push(encoded);
    entry.ids.push(id);
  }
}
