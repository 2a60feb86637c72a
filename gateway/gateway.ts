/**
 * The WebSocket gateway: accepts connections on `/ws`, gives each a Session,
 * and keeps them honest with heartbeats. Transport only; everything about
 * topics lives in Session and Registry.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Broker } from '../bus/index.js';
import {
  CloseCode,
  encodeHello,
  MAX_CLIENT_FRAME_BYTES,
  MAX_SNAPSHOT,
  MAX_SNAPSHOT_MS,
  MAX_TOPICS_PER_FRAME,
  PROTOCOL_VERSION,
} from '../protocol/index.js';
import { Admission, type Ticket } from './admission.js';
import { ConnectionAccess } from './connection-access.js';
import { FlushScheduler } from './flush-scheduler.js';
import { FrameRateGuard } from './frame-rate-guard.js';
import { SystemTopics } from './system-topics.js';
import { DEFAULT_LIMITS, type AccessPolicy, type InstanceLimits } from './tenants.js';
import { Registry } from './registry.js';
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
  /** Tenants, tokens and their settings; absent = development mode (open). */
  policy?: AccessPolicy | null;
  /** Connection and frame-rate limits (defaults: DEFAULT_LIMITS). */
  instanceLimits?: InstanceLimits;
  /** Client address from the last X-Forwarded-For entry (only behind a trusted proxy). */
  trustForwardedFor?: boolean;
  /** Whether the bus answers (published on `$sys…bus_healthy`). */
  busHealthy?: () => boolean;
}

/** Counters exposed on /healthz and as metrics. */
export interface GatewayStats extends DeliveryCounters {
  connections: number;
  topics: number;
}

export const defaultSessionLimits: SessionLimits = {
  maxSubscriptions: 1000,
  maxReplay: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
};

export class Gateway {
  readonly registry: Registry;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly limits: SessionLimits;
  private readonly heartbeatMs: number;
  private readonly allowedOrigins: readonly string[];
  /** Origin checks, connection limits, per-tenant counts and refusals. */
  readonly admission: Admission;
  private policy: AccessPolicy | null;
  private instanceLimits: InstanceLimits;
  private readonly tickets = new WeakMap<WebSocket, Ticket>();
  /** Publishes this gateway's numbers on `$sys.gateway.<instance>.…` for /admin. */
  readonly system: SystemTopics;
  private readonly counters: DeliveryCounters = { messagesSent: 0, framesSent: 0, slowConsumerCloses: 0, errorsSent: 0 };
  private readonly context: SessionContext;

  constructor(private readonly options: GatewayOptions) {
    this.registry = new Registry(options.broker);
    this.limits = { ...defaultSessionLimits, ...options.limits };
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
      flusher: new FlushScheduler(),
      counters: this.counters,
    };
    // Compression is off: it costs CPU per recipient and defeats serializing once.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    this.wss.on('connection', (ws) => this.accept(ws));
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    options.broker.onInterruption(() => this.interrupted());
    this.system = new SystemTopics(options.broker, () => ({
      connections: this.sessions.size,
      topics: this.registry.size,
      messagesSent: this.counters.messagesSent,
      refusals: this.admission.refusals,
      busHealthy: options.busHealthy?.() ?? true,
    }));
  }

  stats(): GatewayStats {
    return { connections: this.sessions.size, topics: this.registry.size, ...this.counters };
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
    const { ticket } = admitted;
    socket.once('close', () => ticket.release());
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.tickets.set(ws, ticket);
      this.wss.emit('connection', ws, req);
    });
  }

  /** Applies a reloaded config file: new tenants, keys and limits; open connections stay. */
  setPolicy(policy: AccessPolicy | null, instanceLimits: InstanceLimits = this.instanceLimits): void {
    this.policy = policy;
    this.instanceLimits = instanceLimits;
    this.admission.update({ policy, limits: instanceLimits, allowedOrigins: this.allowedOrigins, trustForwardedFor: this.options.trustForwardedFor });
  }

  /** Closes every connection with 1001 and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.system.stop();
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.close(CloseCode.GoingAway, 'gateway shutting down');
    }
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const session = new Session(ws, this.context);
    const ticket = this.tickets.get(ws);
    if (this.policy && ticket) session.access = new ConnectionAccess(this.policy, ticket.candidates, ticket.bound, session, this.admission);
    else if (ticket?.bound) this.admission.release(ticket.bound);
    const rate = ticket?.bound?.limits ?? this.instanceLimits;
    const guard = new FrameRateGuard(rate.framesPerSecond, rate.frameBurst, session, ws, () => this.admission.refused('rate_limited', session.access?.tenant ?? undefined));
    this.sessions.set(ws, session);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data, isBinary) => {
      this.alive.add(ws);
      // Over its rate, a frame is dropped before it is decoded: a flood costs as little as possible.
      if (!guard.admit()) return;
      if (isBinary) session.handleBinary();
      else session.handleText(data.toString());
    });
    ws.on('error', (error) => this.options.log.debug({ error: error.message }, 'socket error'));
    ws.on('close', () => {
      session.close();
      this.sessions.delete(ws);
    });
    ws.send(
      encodeHello({
        v: PROTOCOL_VERSION,
        heartbeatMs: this.heartbeatMs,
        limits: {
          maxFrameBytes: MAX_CLIENT_FRAME_BYTES,
          maxSubscriptions: this.limits.maxSubscriptions,
          maxTopicsPerFrame: MAX_TOPICS_PER_FRAME,
          maxSnapshot: MAX_SNAPSHOT,
          maxSnapshotMs: MAX_SNAPSHOT_MS,
        },
      }),
    );
  }

  /**
   * The live feed from the bus broke: messages published meanwhile never
   * reached this process. Every client is asked to reconnect (1012), and its
   * resubscription with `since` replays exactly what it missed from history.
   */
  private interrupted(): void {
    this.options.log.warn({ connections: this.sessions.size }, 'bus feed interrupted; closing every connection so clients resume from history');
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.close(CloseCode.ServiceRestart, 'live feed interrupted; reconnect and resume with since');
    }
    this.sessions.clear();
  }

  /** Terminates sockets that did not answer the previous ping, pings the rest. */
  private beat(): void {
    for (const [ws, session] of this.sessions) {
      if (!this.alive.has(ws)) {
        session.close();
        this.sessions.delete(ws);
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}
