/**
 * Client frames per second per connection: a token bucket (burst, then a
 * steady rate). The first frame over the rate is answered with
 * `rate_limited`; frames over it are dropped undecoded; a client that goes
 * on past another burst's worth of dropped frames is closed with 4029 and
 * its socket stops being read, so a flooder cannot take the event loop from
 * well-behaved clients.
 *
 * One guard serves every connection of a gateway. A connection holds only
 * its rate (an object shared by its tenant or the instance) and, while its
 * bucket is not full, a small FrameBucket: an idle connection whose bucket
 * has refilled holds none (see `refilled`, called by the gateway's sweep).
 */
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode } from '../protocol/index.js';
import type { AccessHost } from './connection-access.js';

/** How long a closed flooder gets to read its close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** What the guard does to a flooder's connection (a `ws` WebSocket, or an SSE stream). */
export type FrameRateControl = Pick<WebSocket, 'close' | 'pause' | 'terminate'>;

/** A frame rate: frames per second and the burst (tenant limits and instance limits have this shape). */
export interface FrameRate {
  readonly framesPerSecond: number;
  readonly frameBurst: number;
}

/** The bucket of one connection while it is not full. */
export class FrameBucket {
  /** Frames dropped since the client last slowed down. */
  dropped = 0;
  /** Closed as a flooder: every further frame is dropped. */
  closing = false;

  constructor(
    public tokens: number,
    /** When `tokens` was last brought up to date (ms). */
    public at: number,
  ) {}
}

/** What the guard needs of a connection (a Session). */
export interface Guarded extends Pick<AccessHost, 'sendFrameError'> {
  readonly frameRate: FrameRate | null;
  frameBucket: FrameBucket | null;
  closeWith(code: number, reason: string): void;
  pauseReading(): void;
  terminate(): void;
}

function terminate(connection: Guarded): void {
  connection.terminate();
}

export class FrameRateGuard {
  /** @param onRefused called once per run of refused frames (for the refusal counters) */
  constructor(private readonly onRefused: (connection: Guarded) => void) {}

  /** True when the frame may be handled. */
  admit(connection: Guarded, now = Date.now()): boolean {
    const rate = connection.frameRate;
    if (rate === null) return true;
    const { framesPerSecond, frameBurst } = rate;
    // No bucket: it is full.
    const bucket = (connection.frameBucket ??= new FrameBucket(frameBurst, now));
    if (bucket.closing) return false;
    if (now > bucket.at) {
      bucket.tokens = Math.min(frameBurst, bucket.tokens + ((now - bucket.at) * framesPerSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      // A client that slowed down is forgiven once the bucket refilled.
      if (bucket.dropped > 0 && bucket.tokens >= 1) bucket.dropped = 0;
      return true;
    }
    return this.refuse(connection, rate, bucket);
  }

  /**
   * Drops a connection's bucket once it would be full again by `now`: an
   * idle connection holds no bucket. (A full bucket and none are the same.)
   */
  refilled(connection: Guarded, now: number): void {
    const bucket = connection.frameBucket;
    const rate = connection.frameRate;
    if (bucket === null || bucket.closing || bucket.dropped > 0 || rate === null) return;
    if (bucket.tokens + ((now - bucket.at) * rate.framesPerSecond) / 1000 >= rate.frameBurst) connection.frameBucket = null;
  }

  private refuse(connection: Guarded, rate: FrameRate, bucket: FrameBucket): false {
    bucket.dropped++;
    if (bucket.dropped === 1) {
      this.onRefused(connection);
      connection.sendFrameError({ code: ErrorCode.RateLimited, message: `more than ${rate.framesPerSecond} frames per second (burst ${rate.frameBurst}); frames are dropped, and the connection closes if this goes on` });
    } else if (bucket.dropped > rate.frameBurst) {
      bucket.closing = true;
      connection.closeWith(CloseCode.RateLimited, 'too many frames per second');
      // Stop reading the flood; the close frame is already on its way.
      connection.pauseReading();
      setTimeout(terminate, CLOSE_GRACE_MS, connection).unref();
    }
    return false;
  }
}
