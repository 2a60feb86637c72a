/**
 * Everything the connection knows about one topic: who listens, the last
 * message id seen (to resume with `since` and to drop duplicates), and a short
 * cache of recent messages so a listener that joins a topic already on the
 * wire still gets its snapshot without another round trip.
 */
import { compareIds, DEFAULT_EVENT_SNAPSHOT, isMessageId, MAX_SNAPSHOT, type Message } from '../../protocol/index.js';
import { ListenerQueue } from './frame-scheduler.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * Where the topic's `sub` stands on the current socket: not sent, sent and
 * awaiting `subscribed`, or acknowledged (messages flow).
 */
export type WireState = 'none' | 'sent' | 'live';

export class TopicState {
  /** One queue per listener of this topic. */
  readonly queues = new Set<ListenerQueue>();
  /** Id of the newest message delivered; `since` on resubscribe. */
  lastId: string | null = null;
  /** Whether the current socket carries a `sub` for this topic. */
  wire: WireState = 'none';
  private readonly recent = new RingBuffer<Message>(1);

  constructor(readonly topic: string) {}

  /**
   * Snapshot size to ask the gateway for: the largest any listener wants, or
   * undefined to let the gateway apply its per-kind default.
   */
  snapshot(): number | undefined {
    let best: number | undefined;
    for (const queue of this.queues) {
      const n = queue.listener.snapshot;
      if (n !== undefined && (best === undefined || n > best)) best = n;
    }
    return best === undefined ? undefined : Math.min(Math.max(0, Math.floor(best)), MAX_SNAPSHOT);
  }

  /** Adds a listener's queue and grows the cache to its snapshot size. */
  add(queue: ListenerQueue): void {
    this.queues.add(queue);
    const want = Math.min(queue.listener.snapshot ?? DEFAULT_EVENT_SNAPSHOT, MAX_SNAPSHOT);
    if (want > this.recent.capacity) this.recent.resize(want);
  }

  /** Recent messages a newly added listener should start with. */
  replayFor(queue: ListenerQueue): Message[] {
    return this.recent.newest(queue.listener.snapshot ?? DEFAULT_EVENT_SNAPSHOT);
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
