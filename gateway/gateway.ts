/**
 * The WebSocket gateway: accepts connections on `/ws`, gives each a Session,
 * and keeps them honest with heartbeats. Transport only; everything about
 * topics lives in Session and Registry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Broker } from '../bus/index.js';
import {
  CloseCode,
  DEFAULT_RECONNECT_SPREAD_MS,
  encodeHello,
  encodeSpreadReason,
  MAX_CLIENT_FRAME_BYTES,
  MAX_SNAPSHOT,
  MAX_SNAPSHOT_MS,
  MAX_TOPICS_PER_FRAME,
  PROTOCOL_VERSION,
} from '../protocol/index.js';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { Admission, type Ticket } from './admission.js';
import { AccessClock, ConnectionAccess, type AccessHost } from './connection-access.js';
import { FlushScheduler } from './flush-scheduler.js';
import { FrameRateGuard } from './frame-rate-guard.js';
import { Histogram } from './histogram.js';
import { SystemTopics, type BacklogProbe } from './system-topics.js';
import { DEFAULT_LIMITS, type AccessPolicy, type InstanceLimits, type Tenant } from './tenants.js';
import { Registry } from './registry.js';
import { SseEndpoint } from './sse-endpoint.js';
import { Session, type DeliveryCounters, type SessionContext, type SessionLimits, type SessionLogger } from './session.js';

export interface GatewayLogger extends SessionLogger {
  info(obj: object, msg: string): void;
}

export interface GatewayOptions {
  broker: Broker;
  log: GatewayLogger;
  /** Interval of WebSocket pings; a socket that misses one is terminated (default 25 000). */
  heartbeatMs?: number;
  /** Origins allowed to connect; `*` allows any (development). */
  allowedOrigins?: readonly string[];
  limits?: Partial<SessionLimits>;
  /**
   * Window, in ms, named in the reason of 1001/1012 closes within which
   * clients reconnect at a random time (default DEFAULT_RECONNECT_SPREAD_MS).
   */
  reconnectSpreadMs?: number;
  /** Tenants, tokens and their settings; absent = development mode (open). */
  policy?: AccessPolicy | null;
  /** Connection and frame-rate limits (defaults: DEFAULT_LIMITS). */
  instanceLimits?: InstanceLimits;
  /** Client address from the last X-Forwarded-For entry (only behind a trusted proxy). */
  trustForwardedFor?: boolean;
  /** Whether the bus answers (published on `$sys…bus_healthy`). */
  busHealthy?: () => boolean;
  /** Measures the ingest backlog, published each second as the processor lag on `$sys…lag.…` (absent = not published). */
  backlog?: BacklogProbe;
}

/** Counters exposed on /healthz and as metrics. */
export interface GatewayStats extends DeliveryCounters {
  connections: number;
  /** Topics with a bus subscription in this process. */
  topics: number;
  /** Subscriptions held by all connections together. */
  subscriptions: number;
  /** Share of the time the event loop was busy over the last whole second (0–1). */
  eventLoopUtilization: number;
  /** Seconds from publish to socket write, per delivery; p50 and p99 are bucket bounds. */
  writeLatency: { p50: number; p99: number; count: number };
  /** Mean messages per `msgs` frame. */
  messagesPerFrame: number;
  /** Bytes held for all connections: unsent socket bytes, queued and held-back messages. */
  bufferedBytes: number;
  /** Event-loop delay since the gateway started, in ms (perf_hooks.monitorEventLoopDelay): what a reconnect storm costs every client. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

/** Histograms of the delivery path (see docs/operations.md for their meaning). */
export interface GatewayHistograms {
  writeLatency: Histogram;
  messagesPerFrame: Histogram;
}

/** Bucket bounds of the publish→socket-write histogram, in seconds. */
export const WRITE_LATENCY_BOUNDS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
/** Bucket bounds of the messages-per-frame histogram. */
export const MESSAGES_PER_FRAME_BOUNDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];

export const defaultSessionLimits: SessionLimits = {
  maxSubscriptions: 1000,
  maxReplay: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  stallTimeoutMs: 30_000,
};

export class Gateway {
  readonly registry: Registry;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stallSweep: NodeJS.Timeout;
  private readonly limits: SessionLimits;
  private readonly heartbeatMs: number;
  private readonly allowedOrigins: readonly string[];
  /** Origin checks, connection limits, per-tenant counts and refusals. */
  readonly admission: Admission;
  private policy: AccessPolicy | null;
  private instanceLimits: InstanceLimits;
  /** Publishes this gateway's numbers on `$sys.gateway.<instance>.…` for /admin. */
  readonly system: SystemTopics;
  private readonly counters: DeliveryCounters = { messagesSent: 0, framesSent: 0, slowConsumerCloses: 0, historyResumes: 0, errorsSent: 0 };
  private readonly context: SessionContext;
  /** The `hello` frame, once built (see hello). */
  private helloFrame: string | undefined;
  /** Auth deadlines and token expiries of every connection, on one timer. */
  private readonly accessClock = new AccessClock();
  /**
   * One set of socket listeners for every connection (ws calls them with the
   * socket as `this`) rather than four closures per connection: idle
   * connections are most of a gateway's memory.
   */
  private readonly listeners: {
    pong(this: WebSocket): void;
    message(this: WebSocket, data: RawData, isBinary: boolean): void;
    error(this: WebSocket, error: Error): void;
    close(this: WebSocket): void;
  };
  readonly histograms: GatewayHistograms = {
    writeLatency: new Histogram(WRITE_LATENCY_BOUNDS),
    messagesPerFrame: new Histogram(MESSAGES_PER_FRAME_BOUNDS),
  };
  /** The Server-Sent Events fallback transport (`/sse`). */
  private readonly sse: SseEndpoint;
  private readonly spreadMs: number;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private utilization = 0;
  private readonly eluSampler: NodeJS.Timeout;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly options: GatewayOptions) {
    const flusher = new FlushScheduler(this.histograms);
    this.registry = new Registry(options.broker, flusher);
    this.limits = { ...defaultSessionLimits, ...options.limits };
    const sessions = this.sessions;
    const log = options.log;
    this.listeners = {
      pong() {
        const session = sessions.get(this);
        if (session) session.alive = true;
      },
      message(data, isBinary) {
        const session = sessions.get(this);
        if (!session) return;
        session.alive = true;
        // Over its rate, a frame is dropped before it is decoded: a flood costs as little as possible.
        if (!session.admitFrame()) return;
        if (isBinary) session.handleBinary();
        else session.handleText(data.toString());
      },
      error(error) {
        log.debug({ error: error.message }, 'socket error');
      },
      close() {
        sessions.get(this)?.close();
        sessions.delete(this);
      },
    };
    this.heartbeatMs = options.heartbeatMs ?? 25_000;
    this.allowedOrigins = options.allowedOrigins ?? ['*'];
    this.policy = options.policy ?? null;
    this.instanceLimits = options.instanceLimits ?? DEFAULT_LIMITS;
    this.admission = new Admission({ policy: this.policy, limits: this.instanceLimits, allowedOrigins: this.allowedOrigins, trustForwardedFor: options.trustForwardedFor });
    this.context = {
      broker: options.broker,
      registry: this.registry,
      limits: this.limits,
      log: options.log,
      flusher,
      counters: this.counters,
      guard: new FrameRateGuard((session) => this.admission.refused('rate_limited', (session as Session).access?.tenant ?? undefined)),
    };
    this.spreadMs = options.reconnectSpreadMs ?? DEFAULT_RECONNECT_SPREAD_MS;
    this.sse = new SseEndpoint({
      context: this.context,
      admit: (req) => this.admission.admit(req),
      equip: (session, _stream, ticket) => this.equip(session, ticket),
      hello: () => this.hello(),
      log: options.log,
    });
    // Compression is off: it costs CPU per recipient and defeats serializing once.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    // A stalled socket is found within stallTimeoutMs plus a quarter of it.
    this.stallSweep = setInterval(() => this.sweepStalled(), Math.max(50, this.limits.stallTimeoutMs / 4));
    this.stallSweep.unref();
    // Sampled, so that /healthz and every scrape read the same window.
    this.eluSampler = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.utilization = performance.eventLoopUtilization(now, this.elu).utilization;
      this.elu = now;
    }, 1000);
    this.eluSampler.unref();
    this.loopDelay.enable();
    options.broker.onInterruption(() => this.interrupted());
    this.system = new SystemTopics(options.broker, () => ({
      connections: this.sessions.size,
      topics: this.registry.size,
      messagesSent: this.counters.messagesSent,
      refusals: this.admission.refusals,
      busHealthy: options.busHealthy?.() ?? true,
    }), undefined, undefined, options.backlog);
  }

  stats(): GatewayStats {
    const { writeLatency, messagesPerFrame } = this.histograms;
    let bufferedBytes = 0;
    for (const session of this.sessions.values()) bufferedBytes += session.bufferedBytes;
    return {
      bufferedBytes,
      connections: this.sessions.size + this.sse.size,
      topics: this.registry.size,
      subscriptions: this.registry.subscriptions,
      eventLoopUtilization: this.utilization,
      writeLatency: { p50: writeLatency.quantile(0.5), p99: writeLatency.quantile(0.99), count: writeLatency.count },
      messagesPerFrame: messagesPerFrame.count === 0 ? 0 : messagesPerFrame.sum / messagesPerFrame.count,
      eventLoopDelayMs: {
        p50: this.loopDelay.percentile(50) / 1e6,
        p99: this.loopDelay.percentile(99) / 1e6,
        max: this.loopDelay.max / 1e6,
      },
      ...this.counters,
    };
  }

  /** Open connections and held subscriptions per tenant (connections of no tenant yet are left out). */
  sessionsByTenant(): Map<string, { connections: number; subscriptions: number; messagesOut: number }> {
    const out = new Map<string, { connections: number; subscriptions: number; messagesOut: number }>();
    for (const [id, counters] of this.admission.perTenant) out.set(id, { connections: 0, subscriptions: 0, messagesOut: counters.messagesOutClosed });
    for (const session of this.sessions.values()) {
      const id = session.access?.tenant?.id;
      if (id === undefined) continue;
      const entry = out.get(id) ?? { connections: 0, subscriptions: 0, messagesOut: 0 };
      entry.connections++;
      entry.subscriptions += session.heldTopics().length;
      entry.messagesOut += session.access!.messagesOut;
      out.set(id, entry);
    }
    return out;
  }

  /** Handles an HTTP upgrade for the gateway path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const admitted = this.admission.admit(req);
    if (!admitted.ok) {
      const { status, reason, message } = admitted;
      this.options.log.warn({ origin: req.headers.origin, reason }, `refused WebSocket upgrade: ${message}`);
      const text = status === 403 ? 'Forbidden' : status === 429 ? 'Too Many Requests' : 'Service Unavailable';
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n${status === 403 ? '' : 'Retry-After: 1\r\n'}\r\n${message}\n`);
      return;
    }
    // The session releases the ticket when it closes; nothing per connection
    // stays on the socket for it. ws completes an upgrade synchronously (no
    // verifyClient here): if it did not call back, it refused the handshake.
    let accepted = false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      this.accept(ws, socket, admitted.ticket);
    });
    if (!accepted) admitted.ticket.release();
  }

  /** Applies a reloaded config file: new tenants, keys and limits; open connections stay. */
  setPolicy(policy: AccessPolicy | null, instanceLimits: InstanceLimits = this.instanceLimits): void {
    this.policy = policy;
    this.instanceLimits = instanceLimits;
    this.admission.update({ policy, limits: instanceLimits, allowedOrigins: this.allowedOrigins, trustForwardedFor: this.options.trustForwardedFor });
  }

  /**
   * Serves the SSE fallback transport (`GET /sse`, `POST /sse/<id>`);
   * false when the request is for another path.
   */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    return this.sse.handle(req, res);
  }

  /** Closes every connection with 1001, naming the reconnect spread window, and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.stallSweep);
    clearInterval(this.eluSampler);
    this.system.stop();
    this.loopDelay.disable();
    const reason = encodeSpreadReason(this.spreadMs, 'gateway shutting down');
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.close(CloseCode.GoingAway, reason);
    }
    this.sessions.clear();
    this.sse.closeAll(CloseCode.GoingAway, reason);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, socket: Duplex, ticket: Ticket): void {
    // An HTTP upgrade's socket is a net.Socket (or a TLSSocket, which is one): it has bytesWritten.
    const session = new Session(ws, socket as Socket, this.context);
    session.ticket = ticket;
    this.equip(session, ticket);
    this.sessions.set(ws, session);
    const { pong, message, error, close } = this.listeners;
    ws.on('pong', pong);
    ws.on('message', message);
    ws.on('error', error);
    ws.on('close', close);
    ws.send(this.hello());
  }

  /** Access (tenants, tokens) and the frame rate of a new session, whatever its transport. */
  private equip(session: Session, ticket: Ticket): void {
    // Shared by every connection of the tenant (or of the instance): nothing per connection until it sends frames.
    session.frameRate = ticket.bound?.limits ?? this.instanceLimits;
    // A connection whose tenant only its token names gets that tenant's frame rate from its `auth` on.
    if (this.policy) session.access = new ConnectionAccess(this.policy, ticket.candidates, ticket.bound, session, this.admission, this.accessClock, tenantFrameRate);
    else if (ticket.bound) this.admission.release(ticket.bound);
  }

  /** The `hello` frame every new connection gets first, whatever its transport. */
  private hello(): string {
    // The same for every connection of this gateway: built once.
    return (this.helloFrame ??= encodeHello({
      v: PROTOCOL_VERSION,
      heartbeatMs: this.heartbeatMs,
      limits: {
        maxFrameBytes: MAX_CLIENT_FRAME_BYTES,
        maxSubscriptions: this.limits.maxSubscriptions,
        maxTopicsPerFrame: MAX_TOPICS_PER_FRAME,
        maxSnapshot: MAX_SNAPSHOT,
        maxSnapshotMs: MAX_SNAPSHOT_MS,
      },
    }));
  }

  /**
   * The live feed from the bus broke: messages published meanwhile never
   * reached this process. Every client is asked to reconnect (1012), and its
   * resubscription with `since` replays exactly what it missed from history.
   */
  private interrupted(): void {
    this.options.log.warn({ connections: this.sessions.size + this.sse.size }, 'bus feed interrupted; closing every connection so clients resume from history');
    const reason = encodeSpreadReason(this.spreadMs, 'live feed interrupted; reconnect and resume with since');
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.close(CloseCode.ServiceRestart, reason);
    }
    this.sessions.clear();
    this.sse.closeAll(CloseCode.ServiceRestart, reason);
  }

  /**
   * Terminates sockets that did not answer the previous ping, pings the
   * rest. A ping sent behind data the client may still be reading excuses a
   * missing pong: a slow reader is not cut; one that reads nothing at all is
   * closed by the stall rule instead (sweepStalled).
   */
  private beat(): void {
    this.sse.keepalive();
    for (const [ws, session] of this.sessions) {
      if (!session.alive && !session.pongExcused) {
        session.close();
        this.sessions.delete(ws);
        ws.terminate();
        continue;
      }
      session.alive = false;
      session.ping();
    }
  }

  /** Closes with 4008 each socket that had unsent data and accepted no byte of it for stallTimeoutMs. */
  private sweepStalled(): void {
    const now = Date.now();
    const limit = this.limits.stallTimeoutMs;
    const guard = this.context.guard!;
    for (const [ws, session] of this.sessions) {
      guard.refilled(session, now);
      const stalled = session.stalledFor(now);
      if (stalled < limit) continue;
      this.sessions.delete(ws);
      session.closeStalled(stalled);
    }
    this.sse.sweepStalled(now, limit);
  }
}

/** A connection bound to a tenant by its token takes the tenant's frame rate. */
function tenantFrameRate(tenant: Tenant, host: AccessHost): void {
  (host as Session).setFrameRate(tenant.limits);
}
