/**
 * One client connection: its topic set, the catch-up of each new
 * subscription (snapshot or replay since an id) and the outgoing queue that
 * coalesces everything produced in one event-loop tick into one frame.
 *
 * The seam between history and live data: a topic's live messages start
 * flowing (into a backlog) before history is read; once history has been
 * queued, the backlog is drained keeping only ids newer than the last one
 * sent. Nothing falls between the two reads and nothing is sent twice.
 */
import type { WebSocket } from 'ws';
import type { Broker, HistoryEntry } from '../bus/index.js';
import {
  CloseCode,
  compareIds,
  DEFAULT_EVENT_SNAPSHOT,
  DEFAULT_VALUE_SNAPSHOT,
  decodeClientFrame,
  encodeError,
  encodeGap,
  encodeMessage,
  encodeMessagesFrame,
  encodePong,
  encodeSubscribed,
  encodeUnsubscribed,
  encodeAuthed,
  ErrorCode,
  ID_ZERO,
  MAX_SNAPSHOT,
  type SubscribeTopic,
} from '../protocol/index.js';
import type { AccessHost, ConnectionAccess } from './connection-access.js';
import type { Flushable, FlushScheduler } from './flush-scheduler.js';
import type { Recipient, Registry } from './registry.js';

export interface SessionLimits {
  /** Most topics one connection may hold. */
  maxSubscriptions: number;
  /** Most messages replayed for one `since` before skipping ahead with a gap. */
  maxReplay: number;
  /** Bytes queued plus buffered in the socket past which the client is disconnected as hopeless. */
  maxBufferedBytes: number;
}

/** Totals every session of a gateway adds to (exported as metrics). */
export interface DeliveryCounters {
  /** Messages sent to clients (a message sent to N clients counts N). */
  messagesSent: number;
  /** `msgs` frames sent. */
  framesSent: number;
  /** Connections closed as slow consumers (4008). */
  slowConsumerCloses: number;
  /** `error` frames sent for bad client frames or failed subscriptions. */
  errorsSent: number;
}

/** What every session of one gateway shares. */
export interface SessionContext {
  broker: Broker;
  registry: Registry;
  limits: SessionLimits;
  log: SessionLogger;
  flusher: FlushScheduler;
  counters: DeliveryCounters;
}

export interface SessionLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface TopicState {
  /** Id of the last message queued for this topic (null before any). */
  lastId: string | null;
  /** Live messages that arrived during catch-up; null once caught up. */
  backlog: { id: string; serialized: string }[] | null;
  /** The backlog overflowed during catch-up: a gap must be reported. */
  overflowed: boolean;
}

/** History page size for replays and largest live backlog kept during one catch-up. */
const PAGE = 500;
const MAX_BACKLOG = 10_000;
/** Largest `msgs` frame, in messages; bigger batches are split. */
const MAX_MESSAGES_PER_FRAME = 1000;

export class Session implements Recipient, Flushable, AccessHost {
  /** Who may read what on this connection; null in development mode (everything open). */
  access: ConnectionAccess | null = null;
  private readonly topics = new Map<string, TopicState>();
  private queue: string[] = [];
  private queuedBytes = 0;
  private closed = false;

  private readonly broker: Broker;
  private readonly registry: Registry;
  private readonly limits: SessionLimits;
  private readonly log: SessionLogger;
  private readonly flusher: FlushScheduler;
  private readonly counters: DeliveryCounters;

  constructor(
    private readonly ws: WebSocket,
    context: SessionContext,
  ) {
    ({ broker: this.broker, registry: this.registry, limits: this.limits, log: this.log, flusher: this.flusher, counters: this.counters } = context);
  }

  /** Handles one text frame from the client. Never throws. */
  handleText(text: string): void {
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.sendError(decoded.error);
      return;
    }
    const frame = decoded.frame;
    switch (frame.op) {
      case 'ping':
        this.sendControl(encodePong(frame.ref));
        return;
      case 'unsub':
        for (const topic of frame.topics) this.drop(topic);
        this.sendControl(encodeUnsubscribed(frame.topics, frame.ref));
        return;
      case 'auth':
        if (this.access) this.access.authenticate(frame);
        else this.sendControl(encodeAuthed(frame.ref === undefined ? {} : { ref: frame.ref }));
        return;
      case 'sub': {
        const topics = this.access ? this.access.admit(frame) : frame.topics;
        if (topics.length > 0) this.subscribeAuthorized(topics, frame.ref);
        return;
      }
    }
  }

  /** Subscribes topics that passed authorization (all of them in development mode). */
  subscribeAuthorized(topics: SubscribeTopic[], ref: number | undefined): void {
    const added = topics.filter((t) => !this.topics.has(t.topic)).length;
    if (this.topics.size + added > this.limits.maxSubscriptions) {
      this.sendError({
        code: ErrorCode.TooManySubscriptions,
        message: `this frame would hold ${this.topics.size + added} topics; at most ${this.limits.maxSubscriptions} per connection`,
        ref,
      });
      return;
    }
    this.sendControl(encodeSubscribed(topics.map((t) => t.topic), ref));
    for (const request of topics) void this.subscribe(request, ref);
  }

  /** Drops subscriptions without an `unsubscribed` answer (a re-auth that no longer grants them). */
  dropTopics(topics: string[]): void {
    for (const topic of topics) this.drop(topic);
  }

  heldTopics(): string[] {
    return [...this.topics.keys()];
  }

  sendFrame(frame: string): void {
    this.sendControl(frame);
  }

  sendFrameError(error: Parameters<typeof encodeError>[0]): void {
    this.sendError(error);
  }

  /** Closes the connection with a protocol close code after what is queued. */
  closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.flush();
    this.ws.close(code, reason);
  }

  /** Refuses a binary frame: the protocol is JSON text. */
  handleBinary(): void {
    this.sendError({ code: ErrorCode.BadFrame, message: 'binary frames are not supported; send JSON text frames' });
  }

  /** Called by the registry for each live message of a topic this session holds. */
  deliver(topic: string, id: string, serialized: string): void {
    const state = this.topics.get(topic);
    if (!state) return;
    if (state.backlog) {
      if (state.backlog.length >= MAX_BACKLOG) {
        state.backlog.shift();
        state.overflowed = true;
      }
      state.backlog.push({ id, serialized });
      return;
    }
    if (state.lastId !== null && compareIds(id, state.lastId) <= 0) return;
    state.lastId = id;
    this.enqueue(serialized);
  }

  /** Releases every subscription; called when the socket closes. */
  close(): void {
    this.closed = true;
    this.access?.dispose();
    for (const topic of [...this.topics.keys()]) this.drop(topic);
    this.queue = [];
    this.queuedBytes = 0;
  }

  private async subscribe(request: SubscribeTopic, ref: number | undefined): Promise<void> {
    const { topic } = request;
    // A repeated sub replaces the old state: the client wants a fresh catch-up.
    if (this.topics.has(topic)) this.drop(topic);
    const state: TopicState = { lastId: request.since ?? null, backlog: [], overflowed: false };
    this.topics.set(topic, state);
    const current = (): boolean => !this.closed && this.topics.get(topic) === state;
    try {
      await this.registry.join(topic, this);
      if (!current()) return;
      if (request.since !== undefined) await this.replay(topic, request.since, state, current);
      else await this.snapshot(topic, request, state, current);
    } catch (error) {
      if (!current()) return;
      this.drop(topic);
      this.log.warn({ topic, error: (error as Error).message }, 'subscription failed');
      this.sendError({ code: ErrorCode.Unavailable, message: `could not subscribe to "${topic}": the bus is unavailable; subscribe again later`, ref, topic });
      return;
    }
    if (!current()) return;
    const backlog = state.backlog!;
    state.backlog = null;
    // The oldest live messages were dropped to bound the backlog. They are
    // missing only if they were newer than what history delivered.
    if (state.overflowed && backlog.length > 0 && (state.lastId === null || compareIds(backlog[0].id, state.lastId) > 0)) {
      this.sendControl(encodeGap(topic, state.lastId ?? ID_ZERO, backlog[0].id));
    }
    for (const { id, serialized } of backlog) this.deliver(topic, id, serialized);
  }

  /** Queues everything after `since` from history, reporting retention gaps. */
  private async replay(topic: string, since: string, state: TopicState, current: () => boolean): Promise<void> {
    let after = since;
    let sent = 0;
    for (;;) {
      const range = await this.broker.history(topic, after, PAGE);
      if (!current()) return;
      if (range.gap && sent === 0) this.sendControl(encodeGap(topic, since, range.entries[0]?.id));
      for (const entry of range.entries) this.enqueue(encodeMessage(topic, entry.id, entry.body));
      if (range.entries.length > 0) {
        after = range.entries[range.entries.length - 1].id;
        state.lastId = after;
      }
      sent += range.entries.length;
      if (range.entries.length < PAGE) return;
      if (sent >= this.limits.maxReplay) break;
    }
    // Too far behind to replay everything: skip to the newest page, say so.
    const newest = await this.broker.latest(topic, PAGE);
    if (!current()) return;
    const fresh = newest.filter((e) => compareIds(e.id, after) > 0);
    if (fresh.length === 0) return;
    // Whatever is left may fit in the newest page: then nothing was skipped.
    const next = await this.broker.history(topic, after, 1);
    if (!current()) return;
    if (next.gap || next.entries[0]?.id !== fresh[0].id) this.sendControl(encodeGap(topic, after, fresh[0].id));
    for (const entry of fresh) this.enqueue(encodeMessage(topic, entry.id, entry.body));
    state.lastId = fresh[fresh.length - 1].id;
  }

  /**
   * Queues the recent messages of a topic: those of the last `snapshotMs`
   * (at most `snapshot`, else MAX_SNAPSHOT) when asked for a time window;
   * else `snapshot` if the client said; else the latest one for value topics
   * and the last DEFAULT_EVENT_SNAPSHOT for event topics (a topic is an event
   * topic when its newest message has data).
   */
  private async snapshot(topic: string, request: SubscribeTopic, state: TopicState, current: () => boolean): Promise<void> {
    const { snapshot: count, snapshotMs } = request;
    let entries: HistoryEntry[];
    if (snapshotMs !== undefined) {
      entries = await this.broker.latest(topic, count ?? MAX_SNAPSHOT, `${Math.max(0, Date.now() - snapshotMs)}-0`);
    } else {
      entries = await this.broker.latest(topic, count ?? DEFAULT_EVENT_SNAPSHOT);
      if (count === undefined && entries.length > 0 && !entries[entries.length - 1].body.includes('"data":')) {
        entries = entries.slice(-DEFAULT_VALUE_SNAPSHOT);
      }
    }
    if (!current()) return;
    for (const entry of entries) this.enqueue(encodeMessage(topic, entry.id, entry.body));
    if (entries.length > 0) state.lastId = entries[entries.length - 1].id;
  }

  private drop(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.registry.leave(topic, this);
  }

  private enqueue(serialized: string): void {
    if (this.closed) return;
    this.queue.push(serialized);
    this.queuedBytes += serialized.length;
    if (this.queuedBytes + this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.log.warn({ queuedBytes: this.queuedBytes, bufferedAmount: this.ws.bufferedAmount }, 'disconnecting slow consumer');
      this.counters.slowConsumerCloses++;
      this.closed = true;
      this.queue = [];
      this.queuedBytes = 0;
      this.ws.close(CloseCode.SlowConsumer, 'slow consumer: send buffer limit exceeded');
      return;
    }
    if (this.queue.length === 1) this.flusher.mark(this);
  }

  /** Sends the queued messages as few frames as possible. */
  flush(): void {
    if (this.queue.length === 0 || this.closed) return;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.counters.messagesSent += queue.length;
    if (this.access) this.access.messagesOut += queue.length;
    if (queue.length === 1) {
      this.counters.framesSent++;
      this.ws.send(this.flusher.singleFrame(queue[0]), { binary: false });
      return;
    }
    for (let i = 0; i < queue.length; i += MAX_MESSAGES_PER_FRAME) {
      const part = queue.length <= MAX_MESSAGES_PER_FRAME ? queue : queue.slice(i, i + MAX_MESSAGES_PER_FRAME);
      this.counters.framesSent++;
      this.ws.send(encodeMessagesFrame(part));
    }
  }

  private sendError(error: Parameters<typeof encodeError>[0]): void {
    this.counters.errorsSent++;
    this.sendControl(encodeError(error));
  }

  /** Sends a control frame after whatever messages are queued, keeping order. */
  private sendControl(frame: string): void {
    if (this.closed) return;
    this.flush();
    this.ws.send(frame);
  }
}
