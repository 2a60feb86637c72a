/**
 * One client connection: its topic set, the catch-up of each new
 * subscription (snapshot or replay since an id) and its own outgoing queue
 * (catch-up, and live batches when its tick differs from its neighbours'),
 * flushed once per tick as one frame. Live batches that are the same for many
 * connections do not pass through here: the flush writes one shared frame
 * (see FlushScheduler).
 *
 * The seam between history and live data: a topic's live messages start
 * flowing (into a backlog) before history is read; once history has been
 * queued, the backlog is drained keeping only ids newer than the last one
 * sent, and so are live messages until the first newer one arrives. From
 * then on the subscription is live and ids are never compared again.
 * Nothing falls between the two reads and nothing is sent twice.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Broker, HistoryEntry, TopicPosition } from '../bus/index.js';
import {
  CloseCode,
  compareIds,
  DEFAULT_EVENT_SNAPSHOT,
  DEFAULT_VALUE_SNAPSHOT,
  decodeClientFrame,
  encodeError,
  encodeGap,
  encodeMessage,
  encodePong,
  encodeReset,
  encodeSubscribed,
  encodeUnsubscribed,
  encodeAuthed,
  ErrorCode,
  ID_ZERO,
  MAX_SNAPSHOT,
  type SubscribeTopic,
} from '../protocol/index.js';
import type { AccessHost, ConnectionAccess } from './connection-access.js';
import type { FlushScheduler } from './flush-scheduler.js';
import { Subscription, type Registry, type SubscriptionHolder } from './registry.js';
import { encodeMessagesFrameBytes } from './ws-frame.js';
import { snapshotWindow } from './snapshot-window.js';

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

/** History page size for replays and largest live backlog kept during one catch-up. */
const PAGE = 500;
const MAX_BACKLOG = 10_000;
/** Largest `msgs` frame, in messages; bigger batches are split. */
const MAX_MESSAGES_PER_FRAME = 1000;
const OPEN = 1;
const ADMIT_ALL = { admit: (): boolean => true };

export class Session implements SubscriptionHolder, AccessHost {
  /** Who may read what on this connection; null in development mode (everything open). */
  access: ConnectionAccess | null = null;
  /** Admits or drops each client frame by the connection's frame rate (set by the gateway). */
  guard: { admit(): boolean } = ADMIT_ALL;
  private readonly topics = new Map<string, Subscription>();
  /** Messages for this session's own next frame, UTF-8 encoded. */
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private marked = false;
  private closed = false;
  tickMark = 0;
  tickTopics = 0;
  /** Heard from since the last heartbeat (see Gateway). */
  alive = true;

  /**
   * @param ws the connection, for control frames and closing
   * @param socket the connection's TCP socket: data frames are written to it
   *   pre-framed, which is what lets one frame be shared by many connections
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly context: SessionContext,
  ) {}

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
    if (this.topics.size + added > this.context.limits.maxSubscriptions) {
      this.sendError({
        code: ErrorCode.TooManySubscriptions,
        message: `this frame would hold ${this.topics.size + added} topics; at most ${this.context.limits.maxSubscriptions} per connection`,
        ref,
      });
      return;
    }
    void this.subscribeFrame(topics, ref);
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

  /** Number of topics this session holds. */
  get subscriptionCount(): number {
    return this.topics.size;
  }

  /**
   * Called by the registry for each live message of a topic this session is
   * catching up on: kept in the backlog while history is read; after that,
   * sent only if newer than what history gave (on Redis the live feed may
   * lag behind a history read). The first newer one makes the subscription
   * live, and from then on the flush sends it every message unexamined.
   */
  backlogged(subscription: Subscription, id: string, encoded: Buffer): void {
    const backlog = subscription.backlog;
    if (backlog) {
      if (backlog.length >= MAX_BACKLOG) {
        backlog.shift();
        subscription.overflowed = true;
      }
      backlog.push({ id, encoded });
      return;
    }
    if (this.catchUp(subscription, id, encoded)) this.context.registry.goLive(subscription);
  }

  /** True when nothing is queued for this session's own frame. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Writes a frame built once for many sessions (see FlushScheduler). */
  writeShared(frame: Buffer, messages: number): void {
    if (this.closed || this.ws.readyState !== OPEN) return;
    if (this.socket.writableLength + frame.length > this.context.limits.maxBufferedBytes) {
      this.disconnectSlow(frame.length);
      return;
    }
    this.socket.write(frame);
    this.context.counters.messagesSent += messages;
    if (this.access) this.access.messagesOut += messages;
    this.context.counters.framesSent++;
  }

  /** Queues `batch[from..]` for this session's own frame. */
  enqueueBatch(batch: readonly Buffer[], from: number): void {
    for (let i = from; i < batch.length; i++) this.enqueue(batch[i]);
  }

  /** Releases every subscription; called when the socket closes. */
  close(): void {
    this.closed = true;
    this.access?.dispose();
    for (const subscription of this.topics.values()) this.context.registry.leave(subscription);
    this.topics.clear();
    this.queue = [];
    this.queuedBytes = 0;
  }

  /**
   * Takes the topics of one `sub` frame: their places are held at once (so
   * the subscription limit counts them), their epochs are read, `subscribed`
   * carries the epochs, then each topic catches up on its own.
   */
  private async subscribeFrame(requests: readonly SubscribeTopic[], ref: number | undefined): Promise<void> {
    const subscriptions = requests.map((request) => {
      // A repeated sub replaces the old state: the client wants a fresh catch-up.
      if (this.topics.has(request.topic)) this.drop(request.topic);
      const subscription = new Subscription(this, request.topic, request.since ?? null);
      this.topics.set(request.topic, subscription);
      return subscription;
    });
    const positions = await Promise.all(requests.map((request) => this.context.broker.position(request.topic).catch((error: Error) => error)));
    if (this.closed) return;
    const epochs = positions.map((position) => (position instanceof Error ? '' : position.epoch));
    this.sendControl(encodeSubscribed(requests.map((request) => request.topic), ref, epochs));
    requests.forEach((request, i) => void this.subscribe(request, subscriptions[i], positions[i], ref));
  }

  private async subscribe(request: SubscribeTopic, subscription: Subscription, position: TopicPosition | Error, ref: number | undefined): Promise<void> {
    const { topic } = request;
    const current = (): boolean => !this.closed && this.topics.get(topic) === subscription;
    if (!current()) return;
    try {
      if (position instanceof Error) throw position;
      await this.context.registry.join(subscription);
      if (!current()) return;
      if (request.since !== undefined && this.historyLost(request, position)) {
        // The client's ids belong to a history that is gone: say so, then
        // start it over with a snapshot of the current one.
        this.sendControl(encodeReset(topic, position.epoch, request.since));
        subscription.lastId = null;
        await this.snapshot(topic, request, subscription, current);
      } else if (request.since !== undefined) await this.replay(topic, request.since, subscription, current);
      else await this.snapshot(topic, request, subscription, current);
    } catch (error) {
      if (!current()) return;
      this.drop(topic);
      this.context.log.warn({ topic, error: (error as Error).message }, 'subscription failed');
      this.sendError({ code: ErrorCode.Unavailable, message: `could not subscribe to "${topic}": the bus is unavailable; subscribe again later`, ref, topic });
      return;
    }
    if (!current()) return;
    const backlog = subscription.backlog!;
    subscription.backlog = null;
    // The oldest live messages were dropped to bound the backlog. They are
    // missing only if they were newer than what history delivered.
    if (subscription.overflowed && backlog.length > 0 && (subscription.lastId === null || compareIds(backlog[0].id, subscription.lastId) > 0)) {
      this.sendControl(encodeGap(topic, subscription.lastId ?? ID_ZERO, backlog[0].id));
    }
    // The seam, the only place ids are compared: the backlog, then this
    // tick's batch not yet flushed, each message once and only if newer than
    // what history gave; then live messages one by one until the first newer
    // one (see backlogged).
    for (const { id, encoded } of backlog) this.catchUp(subscription, id, encoded);
    const entry = subscription.entry!;
    for (let i = 0; i < entry.batch.length; i++) this.catchUp(subscription, entry.ids[i], entry.batch[i]);
  }

  /**
   * True when `since` cannot belong to the topic's current history: its epoch
   * differs (a `since` without one is taken on trust, as older clients send
   * it), or it is newer than any id the history ever held (a failover to a
   * replica that missed the newest writes keeps the epoch but not the ids).
   */
  private historyLost(request: SubscribeTopic, position: TopicPosition): boolean {
    if (request.epoch !== undefined && request.epoch !== position.epoch) return true;
    return compareIds(request.since!, position.top) > 0;
  }

  /** Queues a message if newer than the last one sent; true when it was. */
  private catchUp(subscription: Subscription, id: string, encoded: Buffer): boolean {
    if (subscription.lastId !== null && compareIds(id, subscription.lastId) <= 0) return false;
    subscription.lastId = id;
    this.enqueue(encoded);
    return true;
  }

  /** Queues everything after `since` from history, reporting retention gaps. */
  private async replay(topic: string, since: string, state: Subscription, current: () => boolean): Promise<void> {
    const { broker, limits } = this.context;
    let after = since;
    let sent = 0;
    for (;;) {
      const range = await broker.history(topic, after, PAGE);
      if (!current()) return;
      if (range.gap && sent === 0) this.sendControl(encodeGap(topic, since, range.entries[0]?.id));
      for (const entry of range.entries) this.enqueue(Buffer.from(encodeMessage(topic, entry.id, entry.body)));
      if (range.entries.length > 0) {
        after = range.entries[range.entries.length - 1].id;
        state.lastId = after;
      }
      sent += range.entries.length;
      if (range.entries.length < PAGE) return;
      if (sent >= limits.maxReplay) break;
    }
    // Too far behind to replay everything: skip to the newest page, say so.
    const newest = await broker.latest(topic, PAGE);
    if (!current()) return;
    const fresh = newest.filter((e) => compareIds(e.id, after) > 0);
    if (fresh.length === 0) return;
    // Whatever is left may fit in the newest page: then nothing was skipped.
    const next = await broker.history(topic, after, 1);
    if (!current()) return;
    if (next.gap || next.entries[0]?.id !== fresh[0].id) this.sendControl(encodeGap(topic, after, fresh[0].id));
    for (const entry of fresh) this.enqueue(Buffer.from(encodeMessage(topic, entry.id, entry.body)));
    state.lastId = fresh[fresh.length - 1].id;
  }

  /**
   * Queues the recent messages of a topic: those whose `ts` is within the
   * last `snapshotMs` (at most `snapshot`, else MAX_SNAPSHOT) when asked for
   * a time window;
   * else `snapshot` if the client said; else the latest one for value topics
   * and the last DEFAULT_EVENT_SNAPSHOT for event topics (a topic is an event
   * topic when its newest message has data).
   */
  private async snapshot(topic: string, request: SubscribeTopic, state: Subscription, current: () => boolean): Promise<void> {
    const { broker } = this.context;
    const { snapshot: count, snapshotMs } = request;
    let entries: HistoryEntry[];
    if (snapshotMs !== undefined) {
      entries = await snapshotWindow(broker, topic, snapshotMs, count ?? MAX_SNAPSHOT);
    } else {
      entries = await broker.latest(topic, count ?? DEFAULT_EVENT_SNAPSHOT);
      if (count === undefined && entries.length > 0 && !entries[entries.length - 1].body.includes('"data":')) {
        entries = entries.slice(-DEFAULT_VALUE_SNAPSHOT);
      }
    }
    if (!current()) return;
    for (const entry of entries) this.enqueue(Buffer.from(encodeMessage(topic, entry.id, entry.body)));
    if (entries.length > 0) state.lastId = entries[entries.length - 1].id;
  }

  private drop(topic: string): void {
    const subscription = this.topics.get(topic);
    if (!subscription) return;
    this.topics.delete(topic);
    this.context.registry.leave(subscription);
  }

  private enqueue(encoded: Buffer): void {
    if (this.closed) return;
    this.queue.push(encoded);
    this.queuedBytes += encoded.length;
    if (this.queuedBytes + this.socket.writableLength > this.context.limits.maxBufferedBytes) {
      this.disconnectSlow(0);
      return;
    }
    if (!this.marked) {
      this.marked = true;
      this.context.flusher.markSession(this);
    }
  }

  private disconnectSlow(incoming: number): void {
    this.context.log.warn({ queuedBytes: this.queuedBytes + incoming, bufferedAmount: this.socket.writableLength }, 'disconnecting slow consumer');
    this.context.counters.slowConsumerCloses++;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.ws.close(CloseCode.SlowConsumer, 'slow consumer: send buffer limit exceeded');
  }

  /** Sends the queued messages as few frames as possible. */
  flush(): void {
    this.marked = false;
    if (this.queue.length === 0 || this.closed) return;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    if (this.ws.readyState !== OPEN) return;
    const { counters, flusher } = this.context;
    counters.messagesSent += queue.length;
    if (this.access) this.access.messagesOut += queue.length;
    for (let i = 0; i < queue.length; i += MAX_MESSAGES_PER_FRAME) {
      const end = Math.min(queue.length, i + MAX_MESSAGES_PER_FRAME);
      counters.framesSent++;
      flusher.framed(end - i);
      this.socket.write(encodeMessagesFrameBytes(queue, i, end));
    }
  }

  private sendError(error: Parameters<typeof encodeError>[0]): void {
    this.context.counters.errorsSent++;
    this.sendControl(encodeError(error));
  }

  /** Sends a control frame after whatever messages are queued, keeping order. */
  private sendControl(frame: string): void {
    if (this.closed) return;
    this.flush();
    this.ws.send(frame);
  }
}
