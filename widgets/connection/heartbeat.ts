/**
 * Client-side keepalive. The browser answers the gateway's WebSocket pings by
 * itself, but page code never sees them, so a half-open socket (laptop lid
 * closed, NAT entry expired) would look healthy forever. The client therefore
 * sends its own `ping` when the line has been quiet, and declares the socket
 * dead when nothing at all arrives within an interval after that.
 */

/** Default interval until the gateway's `hello` names its own. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Longest wait for the gateway's `hello` after opening a socket. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** What the heartbeat needs from its connection. */
export interface HeartbeatHooks {
  /** Send an application-level ping. */
  ping(): void;
  /** The socket is dead: nothing arrived in time. */
  dead(): void;
}

/** Watches one socket's traffic; start it per socket, stop it when the socket goes. */
export class Heartbeat {
  private intervalMs = DEFAULT_HEARTBEAT_MS;
  private lastSeen = 0;
  /** When we began waiting for a sign of life (ping sent or socket opened), or -1. */
  private awaitingSince = -1;
  private awaitingLimit = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly hooks: HeartbeatHooks,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts watching a new socket that has yet to greet us. */
  start(intervalMs: number = DEFAULT_HEARTBEAT_MS, connectTimeoutMs: number = CONNECT_TIMEOUT_MS): void {
    this.stop();
    this.lastSeen = this.now();
    this.awaitingSince = this.lastSeen;
    this.awaitingLimit = connectTimeoutMs;
    this.schedule(intervalMs);
  }

  /** Adopts the interval the gateway announced in `hello`. */
  adoptInterval(intervalMs: number): void {
    if (intervalMs > 0 && intervalMs !== this.intervalMs) this.schedule(intervalMs);
  }

  /** Records traffic from the gateway: the socket is alive. */
  seen(): void {
    this.lastSeen = this.now();
    this.awaitingSince = -1;
  }

  /** Stops watching (socket closed). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check; public so tests can drive it without waiting. */
  tick(): void {
    const now = this.now();
    if (this.awaitingSince >= 0) {
      if (now - this.awaitingSince >= this.awaitingLimit) {
        this.stop();
        this.hooks.dead();
      }
      return;
    }
    // Only ping a quiet line: a busy socket proves itself with every frame.
    if (now - this.lastSeen >= this.intervalMs) {
      this.awaitingSince = now;
      this.awaitingLimit = this.intervalMs;
      this.hooks.ping();
    }
  }

  private schedule(intervalMs: number): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.intervalMs = intervalMs;
    // Checking twice per interval keeps the detection time close to two intervals.
    this.timer = setInterval(() => this.tick(), Math.max(10, intervalMs / 2));
  }
}
