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
 *
 * Pacing and slow consumers (see docs/protocol.md#slow-consumers): catch-up
 * writes a page, then waits for the socket to drain before the next, so any
 * history reaches any client that reads. Live messages are written while the
 * socket's unsent bytes stay under a high-water mark; above it the
 * connection is backed up and each subscription holds its messages until the
 * socket drains: `latest` keeps only the newest, `all` keeps them all up to
 * `maxBufferedBytes`, then drops them and resumes from history. Only a socket
 * that accepts nothing at all for `stallTimeoutMs` is closed (4008).
 */
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
  previousId,
} from '../protocol/index.js';
import type { AccessHost, ConnectionAccess } from './connection-access.js';
import type { FlushScheduler } from './flush-scheduler.js';
import type { FrameBucket, FrameRate, FrameRateGuard } from './frame-rate-guard.js';
import { Held, Subscription, type CatchUp, type Registry, type SubscriptionHolder } from './registry.js';
import { encodeMessagesFrameBytes } from './ws-frame.js';
import { snapshotWindow } from './snapshot-window.js';
// w3-transport: the session writes to a transport-agnostic pair (WebSocket or SSE).
import type { SessionControl, SessionFrames } from './session-transport.js';

export interface SessionLimits {
  /** Most topics one connection may hold. */
  maxSubscriptions: number;
  /** Most messages replayed for one `since` before skipping ahead with a gap. */
  maxReplay: number;
  /**
   * Bytes a backed-up connection may hold for its `all` subscriptions (plus
   * the socket's unsent bytes) before they are dropped and resumed from
   * history; also the bound of a catch-up's live backlog per topic.
   */
  maxBufferedBytes: number;
  /** A socket with unsent data that accepts no byte for this long is closed with 4008. */
  stallTimeoutMs: number;
}

/** Totals every session of a gateway adds to (exported as metrics). */
export interface DeliveryCounters {
  /** Messages sent to clients (a message sent to N clients counts N). */
  messagesSent: number;
  /** `msgs` frames sent. */
  framesSent: number;
  /** Connections closed as slow consumers (4008): they read nothing for `stallTimeoutMs`. */
  slowConsumerCloses: number;
  /** `all` subscriptions of backed-up connections that passed the bound and were resumed from history. */
  historyResumes: number;
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
  /** Admits client frames by each session's frame rate (absent: every frame is admitted). */
  guard?: FrameRateGuard;
}


export interface SessionLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** History page size (messages) for replays and largest live backlog kept during one catch-up. */
const PAGE = 500;
const MAX_BACKLOG = 10_000;
/** Bytes of catch-up queued before it is written and the socket must drain before more is read. */
const PAGE_BYTES = 256 * 1024;
/** Largest `msgs` frame, in messages; bigger batches are split. */
const MAX_MESSAGES_PER_FRAME = 1000;
/** Largest single socket write: a big frame is written in pieces so a slow reader's progress shows (see stalledFor). */
const WRITE_CHUNK = 16 * 1024;
/** Unsent bytes past which live delivery holds back (capped by a quarter of maxBufferedBytes). */
const HIGH_WATER = 1024 * 1024;
const OPEN = 1;
const DATA_KEY = Buffer.from('"data":');
/** The backlog of a catch-up during which no live message arrived. */
const NO_BACKLOG: readonly { id: string; encoded: Buffer }[] = [];

/** Timer callback for a rate-limited subscription's interval end (a plain function: no closure per session). */
function intervalEnded(subscription: Subscription): void {
  (subscription.holder as Session).intervalEnd(subscription);
}
/** Bits of Session.flags. */
const ALIVE = 1;
const BACKED_UP = 2;
const MARKED = 4;
const CLOSED = 8;
const DRAIN_LISTENING = 16;
const PING_BEHIND_DATA = 32;
/** Subscriptions a session holds before it indexes them by topic (below, a walk of the list is cheaper than a Map). */
const INDEX_FROM = 16;

/**
 * Per-connection state is kept lean (see docs/benchmarks.md, idle
 * connections): what only some connections need (a topic index, queued
 * messages, held subscriptions, drain waiters, a frame-rate bucket) is
 * made when first needed, and nothing here keeps a closure per session.
 */
export class Session implements SubscriptionHolder, AccessHost {
  /** Who may read what on this connection; null in development mode (everything open). */
  access: ConnectionAccess | null = null;
  /** This connection's client frame rate (shared with others of its tenant or instance); null = unlimited. */
  frameRate: FrameRate | null = null;
  /** Token-bucket state of the frame rate; null while the bucket is full (see FrameRateGuard). */
  frameBucket: FrameBucket | null = null;
  /** Released when the session closes (a WebSocket's admission ticket). */
  ticket: { release(): void } | null = null;
  /** The subscriptions, as a list (newest first) linked through Subscription.next. */
  private subscriptions: Subscription | null = null;
  private subscriptionTotal = 0;
  /** Topic → subscription, once the session holds more than INDEX_FROM. */
  private index: Map<string, Subscription> | null = null;
  /** Messages for this session's own next frame, UTF-8 encoded (null when none). */
  private queue: Buffer[] | null = null;
  private queuedBytes = 0;
  /** The session's yes/no state, one bit each (see the accessors below): one field instead of six. */
  private flags = ALIVE;
  tickMark = 0;
  tickTopics = 0;
  /** Subscriptions holding messages until the socket drains (null when none). */
  private heldSubs: Set<Subscription> | null = null;
  /** Bytes held by `heldSubs`. */
  private heldBytes = 0;
  /** Catch-ups waiting for the socket to drain. */
  private drainWaiters: (() => void)[] | null = null;
  /** Bytes the socket had accepted at the last look, and when that count last moved (see stalledFor). */
  private sentMark = 0;
  private progressAt = Date.now();
  /** Bytes written up to the last heartbeat ping, and whether data may stand in front of that ping. */
  private writtenAtPing = 0;

  /** Heard from since the last heartbeat (see Gateway). */
  get alive(): boolean {
    return (this.flags & ALIVE) !== 0;
  }
  set alive(value: boolean) {
    this.flag(ALIVE, value);
  }
  /** Unsent bytes passed the high-water mark: live messages are held until the socket drains. */
  get backedUp(): boolean {
    return (this.flags & BACKED_UP) !== 0;
  }
  private set backedUp(value: boolean) {
    this.flag(BACKED_UP, value);
  }
  /** Marked for the flush of this tick. */
  private get marked(): boolean {
    return (this.flags & MARKED) !== 0;
  }
  private set marked(value: boolean) {
    this.flag(MARKED, value);
  }
  private get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }
  private set closed(value: boolean) {
    this.flag(CLOSED, value);
  }
  /** A 'drain' listener is registered. */
  private get drainListening(): boolean {
    return (this.flags & DRAIN_LISTENING) !== 0;
  }
  private set drainListening(value: boolean) {
    this.flag(DRAIN_LISTENING, value);
  }
  /** Data may stand in front of the last heartbeat ping. */
  private get pingBehindData(): boolean {
    return (this.flags & PING_BEHIND_DATA) !== 0;
  }
  private set pingBehindData(value: boolean) {
    this.flag(PING_BEHIND_DATA, value);
  }
  private flag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }

  /**
   * @param ws the connection, for control frames and closing (a `ws`
   *   WebSocket, or an SSE stream's control: see session-transport.ts)
   * @param socket the connection's TCP socket (or SSE stream): data frames
   *   are written to it pre-framed, which is what lets one frame be shared
   *   by many connections
   */
  constructor(
    private readonly ws: SessionControl,
    private readonly socket: SessionFrames,
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
    let added = 0;
    for (const t of topics) if (this.find(t.topic) === null) added++;
    if (this.subscriptionTotal + added > this.context.limits.maxSubscriptions) {
      this.sendError({
        code: ErrorCode.TooManySubscriptions,
        message: `this frame would hold ${this.subscriptionTotal + added} topics; at most ${this.context.limits.maxSubscriptions} per connection`,
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
    const topics: string[] = [];
    for (let s = this.subscriptions; s !== null; s = s.next) topics.push(s.topic);
    return topics;
  }

  /** True when a frame from the client may be handled (its frame rate permits; see FrameRateGuard). */
  admitFrame(): boolean {
    return this.frameRate === null || this.context.guard === undefined || this.context.guard.admit(this);
  }

  /** Switches to another frame rate (the tenant's, once `auth` named it); the bucket starts full. */
  setFrameRate(rate: FrameRate): void {
    if (this.frameRate !== null && rate.framesPerSecond === this.frameRate.framesPerSecond && rate.frameBurst === this.frameRate.frameBurst) return;
    this.frameRate = rate;
    // The frames that came before were counted against the old rate, which they kept.
    const bucket = this.frameBucket;
    if (bucket !== null) {
      bucket.tokens = rate.frameBurst;
      bucket.at = Date.now();
    }
  }

  /** Pauses reading from the client (a flooder; see FrameRateGuard). */
  pauseReading(): void {
    this.ws.pause();
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.ws.terminate();
  }

  /** The subscription of `topic`, or null. */
  private find(topic: string): Subscription | null {
    if (this.index !== null) return this.index.get(topic) ?? null;
    for (let s = this.subscriptions; s !== null; s = s.next) if (s.topic === topic) return s;
    return null;
  }

  private add(subscription: Subscription): void {
    subscription.next = this.subscriptions;
    this.subscriptions = subscription;
    this.subscriptionTotal++;
    if (this.index !== null) this.index.set(subscription.topic, subscription);
    else if (this.subscriptionTotal > INDEX_FROM) {
      this.index = new Map();
      for (let s: Subscription | null = this.subscriptions; s !== null; s = s.next) this.index.set(s.topic, s);
    }
  }

  private remove(subscription: Subscription): void {
    let before: Subscription | null = null;
    let s = this.subscriptions;
    while (s !== null && s !== subscription) {
      before = s;
      s = s.next;
    }
    if (s === null) return;
    if (before === null) this.subscriptions = s.next;
    else before.next = s.next;
    s.next = null;
    this.subscriptionTotal--;
    if (this.index !== null) {
      this.index.delete(subscription.topic);
      if (this.subscriptionTotal === 0) this.index = null;
    }
  }

  /** True while `subscription` is this session's subscription of its topic. */
  private holds(subscription: Subscription): boolean {
    return !this.closed && this.find(subscription.topic) === subscription;
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
    return this.subscriptionTotal;
  }

  /**
   * Called by the registry for each live message of a topic this session is
   * catching up on: kept in the backlog while history is read; after that,
   * sent only if newer than what history gave (on Redis the live feed may
   * lag behind a history read). The first newer one makes the subscription
   * live, and from then on the flush sends it every message unexamined.
   */
  backlogged(subscription: Subscription, id: string, encoded: Buffer): void {
    const catchUp = subscription.catchUp!;
    if (!catchUp.seamed) {
      const backlog = (catchUp.backlog ??= []);
      backlog.push({ id, encoded });
      catchUp.backlogBytes += encoded.length;
      while (backlog.length > MAX_BACKLOG || (catchUp.backlogBytes > this.context.limits.maxBufferedBytes && backlog.length > 1)) {
        catchUp.backlogBytes -= backlog.shift()!.encoded.length;
        catchUp.overflowed = true;
      }
      return;
    }
    if (this.catchUp(subscription, id, encoded)) this.context.registry.goLive(subscription);
  }

  /** True when nothing is queued for this session's own frame. */
  get idle(): boolean {
    return this.queue === null;
  }

  /** Writes a frame built once for many sessions (see FlushScheduler). */
  writeShared(frame: Buffer, messages: number): void {
    if (this.closed || this.ws.readyState !== OPEN) return;
    this.write(frame);
    this.context.counters.messagesSent += messages;
    if (this.access) this.access.messagesOut += messages;
    this.context.counters.framesSent++;
  }

  /** Writes a frame, in pieces when big; backs up past the high-water mark. */
  private write(frame: Buffer): void {
    const socket = this.socket;
    if (frame.length <= WRITE_CHUNK) socket.write(frame);
    else for (let at = 0; at < frame.length; at += WRITE_CHUNK) socket.write(frame.subarray(at, at + WRITE_CHUNK));
    if (!this.backedUp && socket.writableLength > Math.min(HIGH_WATER, this.context.limits.maxBufferedBytes / 4)) {
      this.backedUp = true;
      this.listenDrain();
    }
  }

  private listenDrain(): void {
    if (this.drainListening) return;
    this.drainListening = true;
    this.socket.once('drain', () => this.drained());
  }

  /** Resolves once the socket has no unsent bytes past its own high-water mark (at once if it has none). */
  private waitDrain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.closed) return Promise.resolve();
    this.listenDrain();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  /** The socket drained: held messages go out (rate permitting), waiting catch-ups read on. */
  private drained(): void {
    this.drainListening = false;
    if (this.backedUp) {
      this.backedUp = false;
      const heldSubs = this.heldSubs;
      this.heldSubs = null;
      if (heldSubs !== null) {
        const now = Date.now();
        for (const subscription of heldSubs) {
          const held = subscription.held!;
          held.listed = false;
          if (held.latest) this.pace(subscription, held, now);
          else if (held.all) {
            const all = held.all;
            held.all = held.ids = null;
            held.deliveredId = null;
            for (const encoded of all) {
              this.heldBytes -= encoded.length;
              this.enqueue(encoded);
            }
          }
          this.settle(subscription);
        }
      }
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = null;
    if (waiters !== null) for (const resolve of waiters) resolve();
  }

  /**
   * Takes live messages for a subscription that is rate limited or whose
   * socket is backed up (see SubscriptionHolder.hold). `latest` keeps the
   * newest only: sent now if the socket and the rate allow, else at the
   * interval's end or when the socket drains. `all` keeps every message
   * until the socket drains; past `maxBufferedBytes` they are dropped and
   * the subscription resumes from history.
   */
  hold(subscription: Subscription, batch: readonly Buffer[], ids: readonly string[], from: number, before: string | null, now: number): void {
    if (from >= batch.length || this.closed) return;
    const newest = batch[batch.length - 1];
    const mode = (subscription.mode ??= newest.includes(DATA_KEY) ? 'all' : 'latest');
    const held = (subscription.held ??= new Held());
    if (mode === 'latest') {
      if (held.latest) this.heldBytes -= held.latest.length;
      held.latest = newest;
      this.heldBytes += newest.length;
      if (this.backedUp) this.markHeld(subscription, held);
      else {
        this.pace(subscription, held, now);
        this.settle(subscription);
      }
      return;
    }
    if (held.all === null) {
      held.all = [];
      held.ids = [];
      held.deliveredId = before;
    }
    for (let i = from; i < batch.length; i++) {
      held.all.push(batch[i]);
      held.ids!.push(ids[i]);
      this.heldBytes += batch[i].length;
    }
    this.markHeld(subscription, held);
    if (this.heldBytes + this.socket.writableLength > this.context.limits.maxBufferedBytes) this.overflow();
  }

  private markHeld(subscription: Subscription, held: Held): void {
    if (held.listed) return;
    held.listed = true;
    (this.heldSubs ??= new Set()).add(subscription);
  }

  /** Drops a subscription's hold state once it holds nothing and needs no pacing. */
  private settle(subscription: Subscription): void {
    const held = subscription.held;
    if (held !== null && subscription.rateMs === 0 && held.latest === null && held.all === null && held.timer === null && !held.listed) subscription.held = null;
  }

  /** Sends a `latest` subscription's held message if its rate allows, else at its interval's end. */
  private pace(subscription: Subscription, held: Held, now: number): void {
    const latest = held.latest;
    if (latest === null) return;
    if (subscription.rateMs === 0 || now >= held.nextAt) {
      held.latest = null;
      this.heldBytes -= latest.length;
      if (subscription.rateMs !== 0) held.nextAt = now + subscription.rateMs;
      this.enqueue(latest);
    } else if (held.timer === null) {
      held.timer = setTimeout(intervalEnded, held.nextAt - now, subscription);
    }
  }

  /** A rate-limited subscription's interval ended: its newest held message goes out. */
  intervalEnd(subscription: Subscription): void {
    const held = subscription.held;
    if (held === null) return;
    held.timer = null;
    if (!this.holds(subscription) || held.latest === null) return;
    if (this.backedUp) this.markHeld(subscription, held);
    else this.pace(subscription, held, Date.now());
  }

  /** The held `all` messages passed the bound: drop them, resume each such subscription from history. */
  private overflow(): void {
    const heldSubs = this.heldSubs;
    if (heldSubs === null) return;
    for (const subscription of heldSubs) {
      const held = subscription.held!;
      const all = held.all;
      if (all === null) continue;
      for (const encoded of all) this.heldBytes -= encoded.length;
      const firstId = held.ids![0];
      const delivered = held.deliveredId;
      held.all = held.ids = null;
      held.deliveredId = null;
      held.listed = false;
      heldSubs.delete(subscription);
      this.settle(subscription);
      this.context.counters.historyResumes++;
      this.context.registry.rejoin(subscription, delivered ?? previousId(firstId));
      void this.resume(subscription, delivered ?? previousId(firstId), delivered === null ? firstId : undefined);
    }
  }

  /** Releases what a subscription holds. */
  private unhold(subscription: Subscription): void {
    const held = subscription.held;
    if (held === null) return;
    subscription.held = null;
    if (held.timer !== null) clearTimeout(held.timer);
    held.timer = null;
    if (held.latest) this.heldBytes -= held.latest.length;
    if (held.all) for (const encoded of held.all) this.heldBytes -= encoded.length;
    held.latest = null;
    held.all = held.ids = null;
    if (held.listed) this.heldSubs?.delete(subscription);
    held.listed = false;
  }

  /** Bytes this connection holds: unsent socket bytes, queued and held messages. */
  get bufferedBytes(): number {
    return this.socket.writableLength + this.queuedBytes + this.heldBytes;
  }

  /**
   * Milliseconds the socket has had unsent bytes without accepting any (0
   * when it has none or accepted some since the last look). Progress is seen
   * per completed write, which is why big frames are written in pieces.
   */
  stalledFor(now: number): number {
    const socket = this.socket;
    const pending = socket.writableLength;
    if (pending === 0) {
      this.sentMark = socket.bytesWritten;
      this.progressAt = now;
      return 0;
    }
    const sent = socket.bytesWritten - pending;
    if (sent !== this.sentMark) {
      this.sentMark = sent;
      this.progressAt = now;
      return 0;
    }
    return now - this.progressAt;
  }

  /** Sends a heartbeat ping, noting whether data may stand in front of it. */
  ping(): void {
    const socket = this.socket;
    this.pingBehindData = socket.writableLength > 0 || socket.bytesWritten !== this.writtenAtPing;
    this.ws.ping?.();
    this.writtenAtPing = socket.bytesWritten;
  }

  /**
   * True when the last ping went out behind data the client may still be
   * reading: its pong is late, not missing. Such a socket is left to the
   * stall rule (4008) rather than the heartbeat.
   */
  get pongExcused(): boolean {
    return this.pingBehindData;
  }

  /** Closes a socket that accepted nothing for the stall timeout (4008). */
  closeStalled(stalledMs: number): void {
    this.context.log.warn({ stalledMs, bufferedAmount: this.socket.writableLength, heldBytes: this.heldBytes }, 'disconnecting slow consumer: nothing read');
    this.context.counters.slowConsumerCloses++;
    this.close();
    this.ws.close(CloseCode.SlowConsumer, `slow consumer: nothing read for ${Math.round(stalledMs / 1000)} s`);
  }

  /** Queues `batch[from..]` for this session's own frame. */
  enqueueBatch(batch: readonly Buffer[], from: number): void {
    for (let i = from; i < batch.length; i++) this.enqueue(batch[i]);
  }

  /** Releases every subscription; called when the socket closes. */
  close(): void {
    this.closed = true;
    this.access?.dispose();
    const ticket = this.ticket;
    this.ticket = null;
    ticket?.release();
    for (let s = this.subscriptions; s !== null; ) {
      const next = s.next;
      s.next = null;
      this.unhold(s);
      this.context.registry.leave(s);
      s = next;
    }
    this.subscriptions = null;
    this.subscriptionTotal = 0;
    this.index = null;
    this.queue = null;
    this.queuedBytes = 0;
    this.heldBytes = 0;
    this.drained();
  }

  /**
   * Takes the topics of one `sub` frame: their places are held at once (so
   * the subscription limit counts them), their epochs are read, `subscribed`
   * carries the epochs, then each topic catches up on its own.
   *
   * Written with as few promises and async frames as it takes: whatever a
   * subscription allocates lives across the bus round trip, and in a storm
   * of thousands of clients subscribing it survives into the old generation
   * and stays there as fragmentation after it dies (see docs/benchmarks.md,
   * idle connections). One position read per frame, no promise per join
   * when the topic's bus subscription is active already, and no async
   * catch-up at all when there is nothing to read.
   */
  private subscribeFrame(requests: readonly SubscribeTopic[], ref: number | undefined): void {
    const { registry, broker } = this.context;
    const topics: string[] = [];
    const subscriptions = requests.map((request) => {
      // A repeated sub replaces the old state: the client wants a fresh catch-up.
      this.drop(request.topic);
      const subscription = new Subscription(this, registry.intern(request.topic), request.since ?? null, request);
      this.add(subscription);
      topics.push(subscription.topic);
      return subscription;
    });
    void broker.positions(topics).then((positions) => this.joinFrame(requests, subscriptions, positions, ref));
  }

  /**
   * Joins the frame's subscriptions whose position was read. Live messages
   * flow (into each subscription's backlog) before `subscribed` goes out: a
   * client takes `subscribed` as "anything published from now on reaches
   * me", so the bus subscription must already be active. `positions` gets
   * the error of each subscription that could not join.
   */
  private joinFrame(requests: readonly SubscribeTopic[], subscriptions: Subscription[], positions: (TopicPosition | Error)[], ref: number | undefined): void {
    const { registry } = this.context;
    let waiting: Promise<void>[] | null = null;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i];
      // Dropped meanwhile (unsub, a repeated sub, closed): never joined, so nothing to leave.
      if (positions[i] instanceof Error || !this.holds(subscription)) continue;
      const ready = registry.join(subscription);
      if (ready === null) continue;
      (waiting ??= []).push(
        ready.then(undefined, (error: Error) => {
          registry.leave(subscription);
          positions[i] = error;
        }),
      );
    }
    if (waiting === null) this.subscribed(requests, subscriptions, positions, ref);
    else void Promise.all(waiting).then(() => this.subscribed(requests, subscriptions, positions, ref));
  }

  /** Sends `subscribed` with the epochs, then catches each subscription up. */
  private subscribed(requests: readonly SubscribeTopic[], subscriptions: Subscription[], positions: (TopicPosition | Error)[], ref: number | undefined): void {
    if (this.closed) {
      // Closed while joining: close() left what it held before these joined.
      for (const subscription of subscriptions) this.context.registry.leave(subscription);
      return;
    }
    const epochs = positions.map((position) => (position instanceof Error ? '' : position.epoch));
    this.sendControl(encodeSubscribed(requests.map((request) => request.topic), ref, epochs));
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i];
      const request = requests[i];
      const position = positions[i];
      if (!this.holds(subscription)) {
        this.context.registry.leave(subscription);
        continue;
      }
      // Nothing to read (a live-only subscription: `snapshot: 0`, no `since`): straight to the seam.
      if (!(position instanceof Error) && request.since === undefined && request.snapshot === 0 && request.snapshotMs === undefined) this.seam(subscription);
      else void this.subscribe(request, subscription, position, ref);
    }
  }

  /** Catches a joined subscription up (snapshot, replay or reset), then lets it go live; `position` is the error if it could not join. */
  private async subscribe(request: SubscribeTopic, subscription: Subscription, position: TopicPosition | Error, ref: number | undefined): Promise<void> {
    const { topic } = request;
    const current = (): boolean => this.holds(subscription);
    if (!current()) return;
    try {
      if (position instanceof Error) throw position;
      if (request.since !== undefined && this.historyLost(request, position)) {
        // The client's ids belong to a history that is gone: say so, then
        // start it over with a snapshot of the current one.
        this.sendControl(encodeReset(topic, position.epoch, request.since));
        subscription.catchUp!.lastId = null;
        await this.snapshot(topic, request, subscription, current);
      } else if (request.since !== undefined) await this.replay(topic, request.since, subscription, current);
      else await this.snapshot(topic, request, subscription, current);
    } catch (error) {
      this.failed(subscription, current, error, ref);
      return;
    }
    if (current()) this.seam(subscription);
  }

  private failed(subscription: Subscription, current: () => boolean, error: unknown, ref: number | undefined): void {
    if (!current()) return;
    const { topic } = subscription;
    this.drop(topic);
    this.context.log.warn({ topic, error: (error as Error).message }, 'subscription failed');
    this.sendError({ code: ErrorCode.Unavailable, message: `could not subscribe to "${topic}": the bus is unavailable; subscribe again later`, ref, topic });
  }

  /**
   * An `all` subscription whose held messages passed the bound: it was put
   * back in catch-up state after `after`; once the socket drains, history is
   * replayed from there (paced) and the subscription goes live again through
   * the seam. `first` is the first message dropped when `after` is not a
   * stored id (its predecessor was never seen here): no gap is reported when
   * history starts with it.
   */
  private async resume(subscription: Subscription, after: string, first: string | undefined): Promise<void> {
    const { topic } = subscription;
    const current = (): boolean => this.holds(subscription);
    try {
      await this.waitDrain();
      if (!current()) return;
      await this.replay(topic, after, subscription, current, first);
    } catch (error) {
      this.failed(subscription, current, error, undefined);
      return;
    }
    if (current()) this.seam(subscription);
  }

  /** Ends a catch-up: the backlog, then the tick's batch, each message once and only if newer than what history gave. */
  private seam(subscription: Subscription): void {
    const { topic } = subscription;
    const catchUp = subscription.catchUp!;
    const backlog = catchUp.backlog ?? NO_BACKLOG;
    catchUp.backlog = null;
    catchUp.seamed = true;
    catchUp.backlogBytes = 0;
    // The oldest live messages were dropped to bound the backlog. They are
    // missing only if they were newer than what history delivered.
    if (catchUp.overflowed && backlog.length > 0 && (catchUp.lastId === null || compareIds(backlog[0].id, catchUp.lastId) > 0)) {
      this.sendControl(encodeGap(topic, catchUp.lastId ?? ID_ZERO, backlog[0].id));
    }
    // The seam, the only place ids are compared: the backlog, then this
    // tick's batch not yet flushed, each message once and only if newer than
    // what history gave; then live messages one by one until the first newer
    // one (see backlogged).
    let newer = false;
    for (const { id, encoded } of backlog) if (this.catchUp(subscription, id, encoded)) newer = true;
    const entry = subscription.entry!;
    for (let i = 0; i < entry.batch.length; i++) if (this.catchUp(subscription, entry.ids[i], entry.batch[i])) newer = true;
    // Live already: a live message newer than history was queued (the feed
    // is in order, so every later one is newer too), or history gave nothing
    // (every live message is new). An idle topic's subscription then holds no
    // catch-up state while it waits for its first message.
    if (newer || catchUp.lastId === null) {
      this.context.registry.goLive(subscription);
      // Nothing was sent at all: a rate-limited subscription's first live message need not wait an interval.
      if (!newer && subscription.held !== null) subscription.held.nextAt = 0;
    }
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
    const catchUp = subscription.catchUp!;
    if (catchUp.lastId !== null && compareIds(id, catchUp.lastId) <= 0) return false;
    catchUp.lastId = id;
    this.enqueue(encoded);
    return true;
  }

  /** Notes the last message catch-up queued. */
  private static caughtUpTo(subscription: Subscription, id: string): void {
    const catchUp: CatchUp | null = subscription.catchUp;
    if (catchUp !== null) catchUp.lastId = id;
  }

  /**
   * Queues catch-up messages, writing and waiting for the socket to drain
   * after every PAGE_BYTES: memory per connection stays bounded however big
   * the history. False when the subscription ended meanwhile.
   */
  private async sendPaced(topic: string, entries: readonly HistoryEntry[], current: () => boolean): Promise<boolean> {
    for (const entry of entries) {
      this.enqueue(Buffer.from(encodeMessage(topic, entry.id, entry.body)));
      if (this.queuedBytes >= PAGE_BYTES) {
        this.flush();
        await this.waitDrain();
        if (!current()) return false;
      }
    }
    return true;
  }

  /**
   * Queues everything after `since` from history, paced by the socket,
   * reporting retention gaps (none when `first` is given and history starts
   * with it: see resume).
   */
  private async replay(topic: string, since: string, state: Subscription, current: () => boolean, first?: string): Promise<void> {
    const { broker, limits } = this.context;
    let after = since;
    let sent = 0;
    let pageSize = PAGE;
    for (;;) {
      const range = await broker.history(topic, after, pageSize);
      if (!current()) return;
      if (range.gap && sent === 0 && !(first !== undefined && range.entries[0]?.id === first)) this.sendControl(encodeGap(topic, since, range.entries[0]?.id));
      if (!(await this.sendPaced(topic, range.entries, current))) return;
      if (range.entries.length > 0) {
        after = range.entries[range.entries.length - 1].id;
        Session.caughtUpTo(state, after);
      }
      sent += range.entries.length;
      if (range.entries.length < pageSize) return;
      if (sent >= limits.maxReplay) break;
      // Big messages: read fewer at a time, so one page holds about four PAGE_BYTES.
      let bytes = 0;
      for (const entry of range.entries) bytes += entry.body.length;
      pageSize = Math.max(10, Math.min(PAGE, Math.floor((4 * PAGE_BYTES * range.entries.length) / Math.max(1, bytes))));
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
    if (!(await this.sendPaced(topic, fresh, current))) return;
    Session.caughtUpTo(state, fresh[fresh.length - 1].id);
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
    let entries: readonly HistoryEntry[];
    if (snapshotMs !== undefined) {
      entries = await snapshotWindow(broker, topic, snapshotMs, count ?? MAX_SNAPSHOT);
    } else {
      entries = await broker.latest(topic, count ?? DEFAULT_EVENT_SNAPSHOT);
      if (count === undefined && entries.length > 0 && !entries[entries.length - 1].body.includes('"data":')) {
        entries = entries.slice(-DEFAULT_VALUE_SNAPSHOT);
      }
    }
    if (!current()) return;
    if (!(await this.sendPaced(topic, entries, current))) return;
    if (entries.length > 0) Session.caughtUpTo(state, entries[entries.length - 1].id);
  }

  private drop(topic: string): void {
    const subscription = this.find(topic);
    if (subscription === null) return;
    this.remove(subscription);
    this.unhold(subscription);
    this.context.registry.leave(subscription);
  }

  private enqueue(encoded: Buffer): void {
    if (this.closed) return;
    (this.queue ??= []).push(encoded);
    this.queuedBytes += encoded.length;
    if (!this.marked) {
      this.marked = true;
      this.context.flusher.markSession(this);
    }
  }

  /** Sends the queued messages as few frames as possible. */
  flush(): void {
    this.marked = false;
    const queue = this.queue;
    if (queue === null || this.closed) return;
    this.queue = null;
    this.queuedBytes = 0;
    if (this.ws.readyState !== OPEN) return;
    const { counters, flusher } = this.context;
    counters.messagesSent += queue.length;
    if (this.access) this.access.messagesOut += queue.length;
    for (let i = 0; i < queue.length; i += MAX_MESSAGES_PER_FRAME) {
      const end = Math.min(queue.length, i + MAX_MESSAGES_PER_FRAME);
      counters.framesSent++;
      flusher.framed(end - i);
      this.write(encodeMessagesFrameBytes(queue, i, end));
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
