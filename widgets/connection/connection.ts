/**
 * One gateway's socket, shared by every subscriber on the page: topics are
 * reference-counted (one `sub` on the wire however many listeners), requests
 * made in the same task go out together, and a dropped socket comes back with
 * backoff and resumes every topic `since` its last message.
 */
import {
  decodeServerFrame,
  encodeClientFrame,
  ErrorCode,
  MAX_CLIENT_FRAME_BYTES,
  MAX_REF,
  MAX_TOPICS_PER_FRAME,
  parseSpreadReason,
  topicProblem,
  type ClientFrame,
  type ErrorFrame,
  type HelloFrame,
  type MessagesFrame,
  type SubscribeTopic,
} from '../../protocol/index.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { chunkForFrames, type FrameLimits } from './frame-chunks.js';
import { FrameScheduler, ListenerQueue, reportListenerError } from './frame-scheduler.js';
import { CONNECT_TIMEOUT_MS, DEFAULT_HEARTBEAT_MS, Heartbeat } from './heartbeat.js';
import type { ConnectionStatus, TopicListener, Unsubscribe } from './listener.js';
import { TokenKeeper, watchPageToken, type TokenSource } from './token-source.js';
import { TopicState } from './topic-state.js';
import type { TransportChoice, TransportSocket } from './transport.js';

/** The SSE transport's code, fetched the first time a connection on the page falls back to it. */
let sseSocket: Promise<typeof import('./sse-socket.js').SseSocket> | null = null;
const loadSseSocket = (): Promise<typeof import('./sse-socket.js').SseSocket> =>
  (sseSocket ??= import('./sse-socket.js').then(
    (module) => module.SseSocket,
    (error: unknown) => {
      // A failed download (offline, deploy in progress) is tried again at the next fallback.
      sseSocket = null;
      throw error;
    },
  ));
/** The SSE transport's class once loaded. */
let SseSocketClass: typeof import('./sse-socket.js').SseSocket | null = null;

/** Tuning and seams for tests; every field has a production default. */
export interface ConnectionOptions {
  /** Opens a socket; defaults to the page's `WebSocket`, looked up at each attempt. */
  createSocket?: (url: string) => WebSocket;
  /** Opens the fallback transport; defaults to an SSE stream (SseSocket). */
  createFallback?: (url: string) => TransportSocket;
  /**
   * `auto` (default): WebSocket, falling back to SSE after
   * FALLBACK_AFTER_FAILURES attempts in a row that fail before the gateway's
   * `hello`; `websocket` or `sse` forces one.
   */
  transport?: TransportChoice;
  /** Reconnect backoff curve (default base 500 ms, cap 30 s). */
  backoff?: BackoffOptions;
  /** Uniform random source for jitter. */
  random?: () => number;
  /** Delivers messages to listeners; defaults to one flush per animation frame. */
  scheduler?: FrameScheduler;
  /** How long the socket stays open with no subscriptions before it is closed. */
  idleCloseMs?: number;
  /** Keepalive interval until the gateway's `hello` announces its own. */
  heartbeatMs?: number;
  /** Longest wait from opening a socket to the gateway's `hello`. */
  connectTimeoutMs?: number;
  /** A connection must stay up this long for the next drop to restart backoff from zero. */
  stableAfterMs?: number;
}

/** A `sub` or `unsub` frame awaiting its acknowledgement, by `ref`. */
interface SentRequest {
  op: 'sub' | 'unsub';
  topics: string[];
}

const DEFAULT_IDLE_CLOSE_MS = 2_000;
const DEFAULT_STABLE_AFTER_MS = 10_000;
/** WebSocket attempts in a row that fail before `hello` after which `auto` tries SSE. */
export const FALLBACK_AFTER_FAILURES = 2;
/** How long after a 1001/1012 close its spread window replaces the backoff, in ms. */
const SPREAD_HOLD_MS = 60_000;
/** Bound of the unacknowledged-request table, in case a gateway never acks. */
const MAX_TRACKED_REQUESTS = 256;
// WebSocket.readyState values, spelled out so test doubles need not extend WebSocket.
const CONNECTING = 0;
const OPEN = 1;
/** Close code of a refused, missing or expired token (docs/protocol.md). */
const UNAUTHORIZED = 4401;

export class Connection {
  private statusValue: ConnectionStatus = 'closed';
  private readonly topics = new Map<string, TopicState>();
  private readonly pendingSub = new Set<string>();
  private readonly pendingUnsub = new Set<string>();
  private readonly sent = new Map<number, SentRequest>();
  private readonly scheduler: FrameScheduler;
  private readonly heartbeat: Heartbeat;
  private socket: TransportSocket | null = null;
  private transport: TransportChoice;
  /** Whether the next attempt uses the fallback transport. */
  private fallback: boolean;
  /** Attempts in a row on the current transport that ended before `hello`. */
  private failedBeforeHello = 0;
  /** The spread window a 1001/1012 close named, while it applies, or null. */
  private spreadMs: number | null = null;
  private spreadUntil = 0;
  /** True once the gateway greeted the current socket. */
  private greeted = false;
  private openedAt = 0;
  private attempt = 0;
  private nextRef = 1;
  private limits: FrameLimits = { maxTopics: MAX_TOPICS_PER_FRAME, maxBytes: MAX_CLIENT_FRAME_BYTES };
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly tokens = new TokenKeeper((token) => this.send({ op: 'auth', token }));
  /** A token, or the fallback transport's code, is being fetched for the next socket. */
  private obtaining = false;

  constructor(
    /** The gateway's WebSocket URL, already resolved. */
    readonly url: string,
    private readonly options: ConnectionOptions = {},
  ) {
    this.scheduler = options.scheduler ?? new FrameScheduler();
    this.transport = options.transport ?? 'auto';
    this.fallback = this.transport === 'sse';
    this.heartbeat = new Heartbeat({
      ping: () => this.send({ op: 'ping' }),
      dead: () => this.onDead(),
    });
    // A page-wide token given later applies to connections without their own.
    watchPageToken(() => {
      if (this.tokens.own === null) this.tokenSourceChanged();
    });
    // Coming back online is the moment to retry, not whenever the backoff says.
    if (typeof window !== 'undefined') window.addEventListener('online', () => this.retryNow());
  }

  /** The transport of the current (or next) attempt. */
  get transportInUse(): 'websocket' | 'sse' {
    return this.fallback ? 'sse' : 'websocket';
  }

  /**
   * Chooses the transport; takes effect at the next connect (a socket
   * already open on the other transport is closed and reopened).
   */
  setTransport(transport: TransportChoice): void {
    if (transport === this.transport) return;
    this.transport = transport;
    const fallback = transport === 'sse';
    this.failedBeforeHello = 0;
    if (fallback === this.fallback && transport !== 'auto') return;
    if (transport === 'auto') return;
    this.fallback = fallback;
    if (this.socket) {
      this.dropSocket(1000);
      this.scheduleRetry();
      this.retryNow();
    }
  }

  /** Current state of the socket. */
  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /**
   * Sets where this connection's tokens come from (overrides the page-wide
   * `configure({ token })`). A connection refused for its token tries again
   * with the new source.
   */
  setToken(source: TokenSource | null): void {
    if (source === this.tokens.own) return;
    this.tokens.own = source;
    this.tokenSourceChanged();
  }

  private tokenSourceChanged(): void {
    if (this.statusValue === 'unauthorized' && this.topics.size > 0) this.connect();
    // An open socket takes the new token at once (a re-auth keeps its subscriptions).
    else if (this.greeted) void this.tokens.refreshNow();
  }

  /** Number of topics with at least one listener or an `unsub` still to send. */
  get topicCount(): number {
    return this.topics.size;
  }

  /**
   * Adds a listener to `topic`. The first listener of a topic puts a `sub` on
   * the wire; the returned function removes the listener, and the last one
   * to leave sends the `unsub`.
   *
   * @throws WidgetError `bad_topic` when `topic` breaks the topic syntax.
   */
  subscribe(topic: string, listener: TopicListener): Unsubscribe {
    // Checked here because one bad topic makes the gateway refuse the whole
    // batched frame, which would take innocent topics down with it.
    const problem = topicProblem(topic);
    if (problem) throw new WidgetError(WidgetErrorCode.BadTopic, `topic "${String(topic)}": ${problem}`);

    let state = this.topics.get(topic);
    if (!state) {
      state = new TopicState(topic);
      this.topics.set(topic, state);
    }
    const queue = new ListenerQueue(listener);
    state.add(queue);
    this.pendingUnsub.delete(topic);
    for (const message of state.replayFor(queue)) this.scheduler.enqueue(queue, message);

    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (state.wire === 'none' && this.greeted) {
      this.pendingSub.add(topic);
      this.scheduleFlush();
    }
    // Connecting tells every listener, this one included, the new status.
    if (this.socket === null && this.retryTimer === undefined && !this.obtaining && this.statusValue !== 'unauthorized') this.connect();
    else this.notifyStatus(queue, this.statusFor(state));

    let done = false;
    const owner = state;
    return () => {
      if (done) return;
      done = true;
      this.release(owner, queue);
    };
  }

  private release(state: TopicState, queue: ListenerQueue): void {
    queue.closed = true;
    state.queues.delete(queue);
    if (state.queues.size > 0) return;
    if (state.wire !== 'none') {
      this.pendingUnsub.add(state.topic);
      this.scheduleFlush();
    } else {
      this.pendingSub.delete(state.topic);
      this.topics.delete(state.topic);
      this.idleIfUnused();
    }
  }

  // ── socket lifecycle ──────────────────────────────────────────────────────

  private connect(): void {
    this.retryTimer = undefined;
    if (this.statusValue !== 'reconnecting') this.setStatus('connecting');
    if (this.tokens.source === null) {
      // Refused without a token: only a token can help, so wait for one instead of retrying.
      if (this.tokens.refusedWithout) {
        this.setStatus('unauthorized');
        return;
      }
      this.tokens.current = null;
      this.open();
      return;
    }
    // A token before every connect: a function source may hand out short-lived ones.
    this.obtaining = true;
    this.tokens.obtain().then(
      (token) => {
        this.obtaining = false;
        if (this.socket !== null || this.topics.size === 0) return;
        if (token === this.tokens.refused) {
          // Never retry with a token the gateway refused; wait for a new source.
          this.setStatus('unauthorized');
          return;
        }
        this.tokens.current = token;
        this.open();
      },
      (error: unknown) => {
        this.obtaining = false;
        console.warn('rt: the token function failed:', error);
        this.scheduleRetry();
      },
    );
  }

  private open(): void {
    if (this.fallback && !this.options.createFallback && SseSocketClass === null) {
      // The SSE code is not part of rt.js: fetch it now (once per page), then open.
      this.obtaining = true;
      loadSseSocket().then(
        (loaded) => {
          SseSocketClass = loaded;
          this.obtaining = false;
          if (this.socket === null && this.topics.size > 0) this.open();
        },
        (error: unknown) => {
          this.obtaining = false;
          console.warn('rt: could not load the SSE transport:', error);
          this.scheduleRetry();
        },
      );
      return;
    }
    let socket: TransportSocket;
    try {
      if (this.fallback) socket = this.options.createFallback ? this.options.createFallback(this.url) : new SseSocketClass!(this.url);
      // Looked up per attempt so a page (or test) that wraps WebSocket is honoured.
      else socket = this.options.createSocket ? this.options.createSocket(this.url) : new globalThis.WebSocket(this.url);
    } catch (error) {
      console.warn(`rt: cannot open ${this.url}:`, error);
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.greeted = false;
    socket.onmessage = (event) => {
      if (socket === this.socket) this.onFrame(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      if (event?.code === UNAUTHORIZED) this.tokens.refuse();
      this.noteFailureBeforeHello();
      // A gateway closing on purpose names a window to come back in (docs/protocol.md).
      const spread = event.code === 1001 || event.code === 1012 ? parseSpreadReason(event.reason) : null;
      if (spread !== null) {
        this.spreadMs = spread;
        this.spreadUntil = performance.now() + SPREAD_HOLD_MS;
      }
      this.dropSocket();
      this.scheduleRetry();
    };
    this.heartbeat.start(this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
  }

  /** Forgets the current socket; every topic must be subscribed again on the next one. */
  private dropSocket(code?: number): void {
    const socket = this.socket;
    this.socket = null;
    this.heartbeat.stop();
    this.tokens.stop();
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      if (socket.readyState === CONNECTING || socket.readyState === OPEN) socket.close(code);
    }
    if (this.greeted && performance.now() - this.openedAt >= (this.options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS)) {
      this.attempt = 0;
    }
    this.greeted = false;
    this.sent.clear();
    this.pendingSub.clear();
    for (const topic of this.pendingUnsub) this.topics.delete(topic);
    this.pendingUnsub.clear();
    for (const state of this.topics.values()) state.wire = 'none';
  }

  private scheduleRetry(): void {
    if (this.topics.size === 0) {
      this.setStatus('closed');
      return;
    }
    this.setStatus('reconnecting');
    // Within a spread window, every retry (also after attempts that found the
    // gateway still down) is uniform in the window: the restarted gateway
    // sees its clients arrive evenly, and none waits out a long backoff.
    const spreading = this.spreadMs !== null && performance.now() < this.spreadUntil;
    const delay = spreading ? Math.floor((this.options.random ?? Math.random)() * this.spreadMs!) : backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private retryNow(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  /**
   * Counts an attempt that ended before the gateway's `hello`; in `auto`,
   * enough of them in a row switch WebSocket to SSE (a proxy refusing the
   * upgrade), and a failing SSE back to WebSocket (the gateway is down, not
   * blocked). Once SSE has worked the page stays on it.
   */
  private noteFailureBeforeHello(): void {
    if (this.greeted) return;
    this.failedBeforeHello++;
    if (this.transport !== 'auto') return;
    if (!this.fallback && this.failedBeforeHello >= FALLBACK_AFTER_FAILURES) {
      this.fallback = true;
      this.failedBeforeHello = 0;
    } else if (this.fallback && !this.sseWorked) {
      this.fallback = false;
      this.failedBeforeHello = 0;
    }
  }

  /** SSE greeted us once in `auto`: the WebSocket is blocked here, not the gateway down. */
  private sseWorked = false;

  private onDead(): void {
    this.noteFailureBeforeHello();
    // A half-open socket may take minutes to report its close; stop waiting.
    this.dropSocket(1000);
    this.scheduleRetry();
  }

  private idleIfUnused(): void {
    if (this.topics.size > 0 || this.idleTimer !== undefined) return;
    // A short grace period: a page re-rendering its widgets should not pay a reconnect.
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.topics.size > 0) return;
      if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.dropSocket(1000);
      this.attempt = 0;
      this.setStatus('closed');
    }, this.options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS);
  }

  // ── incoming frames ───────────────────────────────────────────────────────

  private onFrame(data: unknown): void {
    this.heartbeat.seen();
    if (typeof data !== 'string') return;
    const frame = decodeServerFrame(data);
    if (!frame) return;
    switch (frame.op) {
      case 'hello':
        this.onHello(frame);
        break;
      case 'msgs':
        this.onMessages(frame);
        break;
      case 'gap': {
        const state = this.topics.get(frame.topic);
        if (state) for (const queue of state.queues) this.scheduler.enqueue(queue, frame);
        break;
      }
      case 'error':
        this.onError(frame);
        break;
      case 'subscribed':
        if (frame.ref !== undefined) this.sent.delete(frame.ref);
        (frame.topics ?? []).forEach((topic, i) => {
          const state = this.topics.get(topic);
          if (state?.wire !== 'sent') return;
          state.wire = 'live';
          // Ids that follow belong to this epoch; a `reset` follows if ours was stale.
          const epoch = frame.epochs?.[i];
          if (epoch) state.epoch = epoch;
          // Only now is the topic live for its listeners (see statusFor).
          for (const queue of state.queues) this.notifyStatus(queue, this.statusFor(state));
        });
        break;
      case 'reset': {
        const state = this.topics.get(frame.topic);
        if (!state || state.wire !== 'live') break;
        state.reset(frame.epoch);
        for (const queue of state.queues) this.scheduler.enqueue(queue, frame);
        break;
      }
      case 'unsubscribed':
        if (frame.ref !== undefined) this.sent.delete(frame.ref);
        break;
      case 'pong':
        break;
    }
  }

  private onHello(hello: HelloFrame): void {
    if (hello.heartbeatMs > 0) this.heartbeat.adoptInterval(hello.heartbeatMs);
    const limits = hello.limits;
    this.limits = {
      maxTopics: Math.min(MAX_TOPICS_PER_FRAME, limits?.maxTopicsPerFrame || MAX_TOPICS_PER_FRAME),
      maxBytes: Math.min(MAX_CLIENT_FRAME_BYTES, limits?.maxFrameBytes || MAX_CLIENT_FRAME_BYTES),
    };
    this.greeted = true;
    this.failedBeforeHello = 0;
    this.spreadMs = null;
    if (this.fallback) this.sseWorked = true;
    this.openedAt = performance.now();
    this.setStatus('open');
    // The token goes first; the gateway holds private topics of a `sub` until it is verified.
    const token = this.tokens.current;
    if (token !== null) {
      this.send({ op: 'auth', token });
      this.tokens.schedule(token);
    } else if (this.tokens.source !== null) {
      // A token source set while this socket was opening: fetch and send now.
      void this.tokens.refreshNow();
    }
    // Resume everything on the new socket: `since` where we have seen a message, a snapshot otherwise.
    const entries: SubscribeTopic[] = [];
    for (const state of this.topics.values()) entries.push(this.subEntry(state));
    this.pendingSub.clear();
    this.sendSubs(entries);
  }

  private onMessages(frame: MessagesFrame): void {
    const messages = frame.msgs;
    if (!Array.isArray(messages)) return;
    for (const message of messages) {
      const state = this.topics.get(message.topic);
      // Until the gateway acknowledges our `sub`, anything for the topic
      // belongs to an earlier subscription; taking it would set `lastId` past
      // the snapshot that is about to arrive and drop it as duplicates.
      if (!state || state.wire !== 'live' || !state.accept(message)) continue;
      for (const queue of state.queues) this.scheduler.enqueue(queue, message);
    }
  }

  private onError(error: ErrorFrame): void {
    if (error.code === ErrorCode.TokenExpired) {
      void this.tokens.refreshNow();
      return;
    }
    const request = error.ref !== undefined ? this.sent.get(error.ref) : undefined;
    const topics = error.topic !== undefined ? [error.topic] : (request?.topics ?? []);
    // `unavailable` for a topic means its subscription ended on the gateway,
    // even when it arrives after the `subscribed` acknowledgement.
    const subscriptionFailed = request?.op === 'sub' || (error.code === ErrorCode.Unavailable && error.topic !== undefined);
    if (subscriptionFailed) {
      // The gateway did not take these topics; do not send an `unsub` for them later.
      for (const topic of topics) {
        const state = this.topics.get(topic);
        if (state) state.wire = 'none';
      }
      if (error.code === ErrorCode.Unavailable) this.retrySubsLater(topics);
    }
    let told = false;
    for (const topic of topics) {
      const state = this.topics.get(topic);
      if (!state) continue;
      for (const queue of state.queues) {
        if (!queue.listener.onError) continue;
        told = true;
        try {
          queue.listener.onError(error);
        } catch (thrown) {
          reportListenerError(thrown);
        }
      }
    }
    if (!told) console.warn(`rt: gateway error ${error.code}: ${error.message}`);
  }

  private retrySubsLater(topics: string[]): void {
    setTimeout(() => {
      for (const topic of topics) if (this.topics.get(topic)?.wire === 'none') this.pendingSub.add(topic);
      this.scheduleFlush();
    }, backoffDelay(3, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random));
  }

  // ── outgoing frames ───────────────────────────────────────────────────────

  private scheduleFlush(): void {
    // A macrotask, so every subscribe of this task and its microtasks (Lit
    // renders run in microtasks) lands in the same frame.
    if (this.flushTimer === undefined) this.flushTimer = setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (!this.greeted) return;
    const subs: SubscribeTopic[] = [];
    for (const topic of this.pendingSub) {
      const state = this.topics.get(topic);
      if (state && state.queues.size > 0 && state.wire === 'none') subs.push(this.subEntry(state));
    }
    this.pendingSub.clear();
    const unsubs: string[] = [];
    for (const topic of this.pendingUnsub) {
      const state = this.topics.get(topic);
      if (!state || state.queues.size > 0) continue;
      if (state.wire !== 'none') unsubs.push(topic);
      this.topics.delete(topic);
    }
    this.pendingUnsub.clear();
    this.sendSubs(subs);
    for (const chunk of chunkForFrames(unsubs, this.limits, (topic) => topic.length + 2)) {
      this.send({ op: 'unsub', ref: this.track('unsub', chunk), topics: chunk });
    }
    this.idleIfUnused();
  }

  private subEntry(state: TopicState): SubscribeTopic {
    state.wire = 'sent';
    // With `since`, the snapshot wanted is sent too: it is what comes after a `reset`.
    if (state.lastId !== null) {
      const entry: SubscribeTopic = { topic: state.topic, since: state.lastId, ...state.request(), ...state.delivery() };
      if (state.epoch !== null) entry.epoch = state.epoch;
      return entry;
    }
    return { topic: state.topic, ...state.request(), ...state.delivery() };
  }

  private sendSubs(entries: SubscribeTopic[]): void {
    for (const chunk of chunkForFrames(entries, this.limits, (entry) => JSON.stringify(entry).length)) {
      const topics = chunk.map((entry) => entry.topic);
      this.send({ op: 'sub', ref: this.track('sub', topics), topics: chunk });
    }
  }

  private track(op: SentRequest['op'], topics: string[]): number {
    const ref = this.nextRef;
    this.nextRef = ref >= MAX_REF ? 1 : ref + 1;
    if (this.sent.size >= MAX_TRACKED_REQUESTS) this.sent.delete(this.sent.keys().next().value as number);
    this.sent.set(ref, { op, topics });
    return ref;
  }

  private send(frame: ClientFrame): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return;
    try {
      socket.send(encodeClientFrame(frame));
    } catch (error) {
      console.warn('rt: send failed:', error);
    }
  }

  // ── status ────────────────────────────────────────────────────────────────

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    for (const state of this.topics.values()) {
      for (const queue of state.queues) this.notifyStatus(queue, this.statusFor(state));
    }
  }

  /**
   * The status a listener of `state` is told. `open` promises that what is
   * published from now on reaches the listener, which holds only once the
   * gateway acknowledged the topic's `sub`: until then a socket that said
   * hello is still `connecting` for that topic (or `reconnecting`, when the
   * listener was told so). Telling `open` at hello, or at once to a listener
   * joining an open socket, let events published in between miss the
   * listener: neither live (no subscription yet) nor in its snapshot when it
   * asks for a time window their `ts` falls outside of.
   */
  private statusFor(state: TopicState): ConnectionStatus {
    if (this.statusValue !== 'open' || state.wire === 'live') return this.statusValue;
    return 'connecting';
  }

  private notifyStatus(queue: ListenerQueue, status: ConnectionStatus): void {
    // A pending topic keeps the listener's `reconnecting` rather than stepping back to `connecting`.
    if (status === 'connecting' && queue.toldStatus === 'reconnecting') return;
    if (status === queue.toldStatus) return;
    queue.toldStatus = status;
    if (!queue.listener.onStatus) return;
    try {
      queue.listener.onStatus(status);
    } catch (error) {
      reportListenerError(error);
    }
  }
}
