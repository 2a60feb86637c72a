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
import { FlushScheduler } from './flush-scheduler.js';
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
  private readonly counters: DeliveryCounters = { messagesSent: 0, framesSent: 0, slowConsumerCloses: 0, errorsSent: 0 };
  private readonly context: SessionContext;

  constructor(private readonly options: GatewayOptions) {
    this.registry = new Registry(options.broker);
    this.limits = { ...defaultSessionLimits, ...options.limits };
    this.heartbeatMs = options.heartbeatMs ?? 25_000;
    this.allowedOrigins = options.allowedOrigins ?? ['*'];
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
  }

  stats(): GatewayStats {
    return { connections: this.sessions.size, topics: this.registry.size, ...this.counters };
  }

  /** Handles an HTTP upgrade for the gateway path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    if (!this.originAllowed(origin)) {
      this.options.log.warn({ origin }, 'refused WebSocket from an origin not in the allowlist');
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\norigin not allowed\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Closes every connection with 1001 and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.close(CloseCode.GoingAway, 'gateway shutting down');
    }
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private originAllowed(origin: string | undefined): boolean {
    if (this.allowedOrigins.includes('*')) return true;
    // Non-browser clients send no Origin; cross-site hijacking needs a browser, which always sends one.
    return origin === undefined || this.allowedOrigins.includes(origin);
  }

  private accept(ws: WebSocket): void {
    const session = new Session(ws, this.context);
    this.sessions.set(ws, session);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data, isBinary) => {
      this.alive.add(ws);
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
