/**
 * Coalescing of outgoing messages: sessions that queued something during an
 * event-loop tick are flushed together once, right after it (setImmediate),
 * so each connection gets at most one `msgs` frame per tick however many
 * messages arrived, and the gateway schedules one callback per tick rather
 * than one per connection.
 */
import { encodeMessagesFrame } from '../protocol/index.js';

export interface Flushable {
  flush(): void;
}

export class FlushScheduler {
  private dirty = new Set<Flushable>();
  private scheduled = false;
  /** The last single-message frame built, reused while a fan-out sends it to many. */
  private single: { message: string; frame: Buffer } | null = null;

  /** Flushes `session` after the current tick. */
  mark(session: Flushable): void {
    this.dirty.add(session);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /**
   * The `msgs` frame for one already-serialized message, encoded to UTF-8
   * once and shared by every connection that gets exactly that message this
   * tick (the common case of a fan-out).
   */
  singleFrame(message: string): Buffer {
    if (this.single?.message !== message) this.single = { message, frame: Buffer.from(encodeMessagesFrame([message])) };
    return this.single.frame;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const sessions = this.dirty;
    this.dirty = new Set();
    for (const session of sessions) session.flush();
    this.single = null;
  };
}
