/**
 * Coalescing and sharing of outgoing frames. Everything queued during an
 * event-loop tick is flushed once, right after it (setImmediate):
 *
 * - each topic that received messages this tick is visited once; its batch
 *   becomes one `msgs` frame, built and UTF-8 encoded once, and that same
 *   Buffer is written to every subscriber whose tick holds nothing else;
 * - a subscriber whose tick differs (several topics with messages, queued
 *   catch-up or control traffic, or a subscription that went live in the
 *   middle of this batch) gets the batch appended to its own queue, and is
 *   flushed after the topics as one per-connection frame.
 *
 * - a subscription that is rate limited (`maxRate`) or whose connection is
 *   backed up is handed the batch to hold (conflate or keep) instead.
 *
 * Only topics and sessions with something queued are visited: an idle
 * session costs nothing per tick. Nothing here allocates per delivery.
 */
import type { Histogram } from './histogram.js';
import type { BatchSink, TopicEntry } from './registry.js';
import { encodeMessagesFrameBytes } from './ws-frame.js';

/** What the flush needs from a session. */
export interface FlushTarget {
  /** Set by the flush: the tick in which `tickTopics` was counted. */
  tickMark: number;
  /** Topics with a batch for this session in the tick `tickMark`. */
  tickTopics: number;
  /** True when the session has messages or nothing else queued. */
  readonly idle: boolean;
  /** True while the connection's socket holds more unsent bytes than its high-water mark: live messages are held back. */
  readonly backedUp: boolean;
  /** Writes a frame shared with other sessions, carrying `messages` messages. */
  writeShared(frame: Buffer, messages: number): void;
  /** Appends `batch[from..]` to the session's own queue. */
  enqueueBatch(batch: readonly Buffer[], from: number): void;
  /** Sends the session's own queue. */
  flush(): void;
}

/** Histograms the flush feeds (see bin/metrics.ts). */
export interface FlushObservers {
  /** Seconds from a message's publish (its id's time) to its write to a socket, one per delivery. */
  writeLatency: Histogram;
  /** Messages per `msgs` frame, one per frame. */
  messagesPerFrame: Histogram;
}

/** Largest shared frame, in messages; longer batches go the per-connection way, which splits them. */
const MAX_SHARED_MESSAGES = 1000;

export class FlushScheduler implements BatchSink {
  private topics: TopicEntry[] = [];
  private sessions: FlushTarget[] = [];
  private scheduled = false;
  private tick = 0;

  constructor(private readonly observers: FlushObservers) {}

  /** Flushes a topic's batch after the current tick. */
  markTopic(entry: TopicEntry): void {
    this.topics.push(entry);
    this.schedule();
  }

  /** Flushes `session`'s own queue after the current tick. The caller marks each session once per queue. */
  markSession(session: FlushTarget): void {
    this.sessions.push(session);
    this.schedule();
  }

  /** Records a per-connection frame of `messages` messages. */
  framed(messages: number): void {
    this.observers.messagesPerFrame.observe(messages);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    const tick = ++this.tick;
    const topics = this.topics;
    this.topics = [];
    if (topics.length > 1) this.countTopics(topics, tick);
    const now = Date.now();
    for (const entry of topics) this.distribute(entry, topics.length > 1, tick, now);
    // Per-connection queues, including what distribute just appended.
    const sessions = this.sessions;
    this.sessions = [];
    for (const session of sessions) session.flush();
    this.scheduled = false;
    if (this.topics.length > 0 || this.sessions.length > 0) this.schedule();
  };

  /** Counts, for each session, the topics with a batch for it this tick. */
  private countTopics(topics: readonly TopicEntry[], tick: number): void {
    for (const entry of topics) {
      if (entry.batch.length === 0) continue;
      for (const subscription of entry.live) {
        const session = subscription.holder;
        if (session.tickMark !== tick) {
          session.tickMark = tick;
          session.tickTopics = 1;
        } else session.tickTopics++;
      }
    }
  }

  private distribute(entry: TopicEntry, several: boolean, tick: number, now: number): void {
    const batch = entry.batch;
    if (batch.length === 0) return;
    const ids = entry.ids;
    entry.batch = [];
    entry.ids = [];
    const first = entry.received - batch.length + 1;
    const shareable = batch.length <= MAX_SHARED_MESSAGES;
    let frame: Buffer | null = null;
    let shared = 0;
    let recipients = 0;
    for (const subscription of entry.live) {
      const session = subscription.holder;
      recipients++;
      if (subscription.rateMs !== 0 || session.backedUp) {
        // Conflated, rate limited or held until the socket drains (see Session.hold).
        const from = subscription.liveAfter >= first ? subscription.liveAfter - first + 1 : 0;
        session.hold(subscription, batch, ids, from, from === 0 ? entry.lastBefore : ids[from - 1], now);
      } else if (subscription.liveAfter >= first) {
        // Went live during this batch: only what catch-up did not send.
        session.enqueueBatch(batch, subscription.liveAfter - first + 1);
      } else if (shareable && session.idle && (!several || (session.tickMark === tick && session.tickTopics === 1))) {
        frame ??= encodeMessagesFrameBytes(batch);
        session.writeShared(frame, batch.length);
        shared++;
      } else {
        session.enqueueBatch(batch, 0);
      }
    }
    entry.lastBefore = ids[ids.length - 1];
    if (shared > 0) this.observers.messagesPerFrame.observe(batch.length, shared);
    // Ages by the id's milliseconds: the bus's clock at publish.
    for (const id of ids) this.observers.writeLatency.observe((now - Number(id.slice(0, id.indexOf('-')))) / 1000, recipients);
  }
}
