/**
 * The subscription registry: topic → local sessions. However many sessions
 * want a topic, the gateway process holds one bus subscription for it,
 * taken when the first session joins and released when the last one leaves.
 * Each live message is serialized once here and handed to every session.
 */
import type { Broker } from '../bus/index.js';
import { encodeMessage } from '../protocol/index.js';

/** What the registry needs from a session. */
export interface Recipient {
  deliver(topic: string, id: string, serialized: string): void;
}

interface TopicEntry {
  recipients: Set<Recipient>;
  /** Resolves once the bus subscription is active. */
  ready: Promise<void>;
  release: (() => Promise<void>) | null;
}

export class Registry {
  private readonly topics = new Map<string, TopicEntry>();

  constructor(private readonly broker: Broker) {}

  /** Number of topics with a bus subscription. */
  get size(): number {
    return this.topics.size;
  }

  /**
   * Adds a recipient; resolves once live messages of the topic flow to it,
   * which is what makes "read history, then live" gap-free.
   */
  async join(topic: string, recipient: Recipient): Promise<void> {
    let entry = this.topics.get(topic);
    if (!entry) {
      const fresh: TopicEntry = { recipients: new Set(), ready: Promise.resolve(), release: null };
      fresh.ready = this.broker
        .subscribe(topic, (id, body) => {
          if (fresh.recipients.size === 0) return;
          const serialized = encodeMessage(topic, id, body);
          for (const r of fresh.recipients) r.deliver(topic, id, serialized);
        })
        .then((release) => {
          fresh.release = release;
          // Everyone may have left while the subscription was being made.
          if (this.topics.get(topic) !== fresh) void release();
        });
      fresh.ready.catch(() => {
        if (this.topics.get(topic) === fresh) this.topics.delete(topic);
      });
      this.topics.set(topic, fresh);
      entry = fresh;
    }
    entry.recipients.add(recipient);
    try {
      await entry.ready;
    } catch (error) {
      entry.recipients.delete(recipient);
      throw error;
    }
  }

  /** Removes a recipient; the last one out releases the bus subscription. */
  leave(topic: string, recipient: Recipient): void {
    const entry = this.topics.get(topic);
    if (!entry || !entry.recipients.delete(recipient)) return;
    if (entry.recipients.size > 0) return;
    this.topics.delete(topic);
    if (entry.release) void entry.release().catch(() => {});
  }
}
