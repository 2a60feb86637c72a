/**
 * Client frames per second per connection: a token bucket (burst, then a
 * steady rate). The first frame over the rate is answered with
 * `rate_limited`; frames over it are dropped undecoded; a client that goes
 * on past another burst's worth of dropped frames is closed with 4029 and
 * its socket stops being read, so a flooder cannot take the event loop from
 * well-behaved clients.
 */
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode, TokenBucket } from '../protocol/index.js';
import type { AccessHost } from './connection-access.js';

/** How long a closed flooder gets to read its close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class FrameRateGuard {
  private bucket: TokenBucket;
  private dropped = 0;
  private closing = false;

  constructor(
    private rate: number,
    private burst: number,
    private readonly host: Pick<AccessHost, 'sendFrameError'>,
    private readonly ws: WebSocket,
    private readonly onRefused: () => void,
  ) {
    this.bucket = new TokenBucket(rate, burst, Date.now());
  }

  /**
   * Switches to another rate and burst (the tenant's, once `auth` named it).
   * The bucket starts full at the new burst: the frames that came before
   * were counted against the instance's limit, which they kept.
   */
  setRate(rate: number, burst: number): void {
    if (rate === this.rate && burst === this.burst) return;
    this.rate = rate;
    this.burst = burst;
    this.bucket = new TokenBucket(rate, burst, Date.now());
  }

  /** True when the frame may be handled. */
  admit(): boolean {
    if (this.closing) return false;
    if (this.bucket.take(Date.now())) {
      // A client that slowed down is forgiven once the bucket refilled.
      if (this.dropped > 0 && this.bucket.wait() === 0) this.dropped = 0;
      return true;
    }
    this.dropped++;
    if (this.dropped === 1) {
      this.onRefused();
      this.host.sendFrameError({ code: ErrorCode.RateLimited, message: `more than ${this.rate} frames per second (burst ${this.burst}); frames are dropped, and the connection closes if this goes on` });
    } else if (this.dropped > this.burst) {
      this.closing = true;
      this.ws.close(CloseCode.RateLimited, 'too many frames per second');
      // Stop reading the flood; the close frame is already on its way.
      this.ws.pause();
      setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    }
    return false;
  }
}
