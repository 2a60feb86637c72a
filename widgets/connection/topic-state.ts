/**
 * Everything the connection knows about one topic: who listens, the last
 * message id seen (to resume with `since` and to drop duplicates), and a short
 * cache of recent messages so a listener that joins a topic already on the
 * wire still gets its snapshot without another round trip.
 */
import {
  compareIds,
  DEFAULT_EVENT_SNAPSHOT,
  isMessageId,
  MAX_SNAPSHOT,
  MAX_SNAPSHOT_MS,
  type Message,
  type SubscribeTopic,
} from '../../protocol/index.js';
import { ListenerQueue } from './frame-scheduler.js';
import type { TopicListener } from './listener.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * Where the topic's `sub` stands on the current socket: not sent, sent and
 * awaiting `subscribed`, or acknowledged (messages flow).
 */
export type WireState = 'none' | 'sent' | 'live';

/** Most cached messages a listener may be replayed: its count, or the gateway's default for its kind of request. */
function replayLimit(listener: TopicListener): number {
  return listener.snapshot ?? (listener.snapshotMs !== undefined ? MAX_SNAPSHOT : DEFAULT_EVENT_SNAPSHOT);
}

export class TopicState {
  /** One queue per listener of this topic. */
  readonly queues = new Set<ListenerQueue>();
  /** Id of the newest message delivered; `since` on resubscribe. */
  lastId: string | null = null;
  /** Epoch of the topic's history that `lastId` belongs to (from `subscribed` or `reset`). */
  epoch: string | null = null;
  /** Whether the current socket carries a `sub` for this topic. */
  wire: WireState = 'none';
  private readonly recent = new RingBuffer<Message>(1);

  constructor(readonly topic: string) {}

  /**
   * What to ask the gateway for when the topic goes on the wire without
   * `since`. The largest time window any listener wants, with the largest
   * count (a windowed listener that names none counts as MAX_SNAPSHOT, the
   * gateway's default for a window). When some listener asks by count alone,
   * no window is sent: on a quiet topic it would cut off the latest messages
   * that listener wants, while the count alone covers every listener.
   * Without any window or count, the gateway applies its per-kind default.
   */
  request(): Pick<SubscribeTopic, 'snapshot' | 'snapshotMs'> {
    let count: number | undefined;
    let windowMs: number | undefined;
    let countOnly = false;
    for (const queue of this.queues) {
      const { snapshot, snapshotMs } = queue.listener;
      const n = snapshot ?? (snapshotMs !== undefined ? MAX_SNAPSHOT : undefined);
      if (n !== undefined && (count === undefined || n > count)) count = n;
      if (snapshotMs !== undefined) {
        if (windowMs === undefined || snapshotMs > windowMs) windowMs = snapshotMs;
      } else if (snapshot !== 0) {
        countOnly = true;
      }
    }
    const request: Pick<SubscribeTopic, 'snapshot' | 'snapshotMs'> = {};
    if (count !== undefined) request.snapshot = Math.min(Math.max(0, Math.floor(count)), MAX_SNAPSHOT);
    if (windowMs !== undefined && !countOnly) request.snapshotMs = Math.min(Math.max(1, Math.floor(windowMs)), MAX_SNAPSHOT_MS);
    return request;
  }

  /** Adds a listener's queue and grows the cache to what its replay may need. */
  add(queue: ListenerQueue): void {
    this.queues.add(queue);
    const want = Math.min(replayLimit(queue.listener), MAX_SNAPSHOT);
    if (want > this.recent.capacity) this.recent.resize(want);
  }

  /**
   * Recent messages a newly added listener should start with: its `snapshot`
   * newest, or with `snapshotMs` those of that window (newest `snapshot`,
   * default MAX_SNAPSHOT, of them). The window is measured on the message's
   * event time (`ts`), as the gateway measures it, so a newcomer gets what a
   * fresh `sub` would have brought (up to the skew between browser and
   * gateway clocks).
   */
  replayFor(queue: ListenerQueue): Message[] {
    const { listener } = queue;
    const limit = replayLimit(listener);
    if (listener.snapshotMs === undefined) return this.recent.newest(limit);
    const from = Date.now() - listener.snapshotMs;
    // Backfilled messages (old ts, received late) must not crowd the window out of the newest `limit`.
    return this.recent
      .newest()
      .filter((message) => message.ts >= from)
      .slice(-limit);
  }

  /** History was lost on the server: forget ids and cached messages, adopt the new epoch. */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.lastId = null;
    this.recent.clear();
  }

  /**
   * Records a message and says whether to deliver it: false for malformed ids
   * and for ids not newer than the last one seen (duplicates after a
   * reconnect, or a replay overlapping live data).
   */
  accept(message: Message): boolean {
    if (!isMessageId(message.id)) return false;
    if (this.lastId !== null && compareIds(message.id, this.lastId) <= 0) return false;
    this.lastId = message.id;
    this.recent.push(message);
    return true;
  }
}
