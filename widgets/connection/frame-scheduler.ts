/**
 * Hands queued messages to listeners once per animation frame. A burst of
 * socket frames between two paints costs each listener one call and its host
 * one render, not one per frame received.
 */
import { ID_ZERO, type GapFrame, type Message, type ResetFrame } from '../../protocol/index.js';
import type { ConnectionStatus, TopicListener } from './listener.js';
import { RingBuffer } from './ring-buffer.js';

/** Default bound of a listener's queue when it does not set `maxBuffered`. */
export const DEFAULT_MAX_BUFFERED = 1000;

type Entry = Message | GapFrame | ResetFrame;

/** Schedules `callback` before the next paint; returns nothing useful. */
export type RequestFrame = (callback: () => void) => unknown;

/** One listener's queue between two frames. */
export class ListenerQueue {
  /** Set once the subscription ended; queued entries are then discarded. */
  closed = false;
  /** Entries dropped because the queue was full (for diagnostics). */
  dropped = 0;
  /** The connection status the listener was last told (the connection tells each change once). */
  toldStatus: ConnectionStatus | null = null;
  private readonly entries: RingBuffer<Entry>;
  /** Messages were dropped since the last delivery: the listener must hear of it. */
  private lost = false;
  /** Id of the last message handed to the listener. */
  private lastDelivered: string | null = null;

  constructor(readonly listener: TopicListener) {
    this.entries = new RingBuffer(listener.maxBuffered ?? DEFAULT_MAX_BUFFERED);
  }

  /** Queues an entry, dropping the oldest beyond the listener's bound. */
  push(entry: Entry): void {
    if (this.entries.push(entry)) {
      this.dropped++;
      this.lost = true;
    }
  }

  /**
   * Calls the listener with everything queued, keeping gaps in their place.
   * When the bound dropped messages, a gap from the last message delivered to
   * the oldest one kept comes first: dropping is conflation for a listener
   * that wants only the latest, but never silent for one that listens to gaps.
   */
  deliver(): void {
    const entries = this.entries.drain();
    if (this.lost) {
      this.lost = false;
      const first = entries.find((e): e is Message => !('op' in e));
      if (first) this.listener.onGap?.({ op: 'gap', topic: first.topic, since: this.lastDelivered ?? ID_ZERO, next: first.id });
    }
    let batch: Message[] = [];
    for (const entry of entries) {
      if ('op' in entry) {
        if (batch.length > 0) this.listener.onMessages(batch);
        batch = [];
        if (entry.op === 'gap') this.listener.onGap?.(entry);
        else this.reset(entry);
      } else {
        batch.push(entry);
        this.lastDelivered = entry.id;
      }
    }
    if (batch.length > 0) this.listener.onMessages(batch);
  }

  /** History was lost: ids start over, so what was delivered so far no longer orders anything. */
  private reset(frame: ResetFrame): void {
    const since = this.lastDelivered ?? frame.since;
    this.lastDelivered = null;
    if (this.listener.onReset) this.listener.onReset(frame);
    else this.listener.onGap?.({ op: 'gap', topic: frame.topic, since });
  }
}

/** Batches deliveries to listeners into animation frames. */
export class FrameScheduler {
  private dirty = new Set<ListenerQueue>();
  private pending = false;
  private readonly requestFrame: RequestFrame;

  /** @param requestFrame - defaults to `requestAnimationFrame`; injectable for tests. */
  constructor(requestFrame?: RequestFrame) {
    this.requestFrame = requestFrame ?? ((cb) => requestAnimationFrame(cb));
  }

  /** Queues an entry for `queue`'s listener and makes sure a frame is requested. */
  enqueue(queue: ListenerQueue, entry: Entry): void {
    if (queue.closed) return;
    queue.push(entry);
    this.dirty.add(queue);
    if (!this.pending) {
      this.pending = true;
      this.requestFrame(() => this.flush());
    }
  }

  /** Delivers every queued entry now. Called by the frame callback. */
  flush(): void {
    this.pending = false;
    const queues = this.dirty;
    this.dirty = new Set();
    for (const queue of queues) {
      if (queue.closed) continue;
      // One throwing listener must not starve the others of their data.
      try {
        queue.deliver();
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

/** Surfaces an exception thrown by a listener without interrupting delivery. */
export function reportListenerError(error: unknown): void {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}
