/**
 * The load generator's publisher: numbered messages, spread evenly over the
 * topics at a fixed total rate, each carrying its send time in microseconds.
 * Three ways in: rt's ingest API (what users run against a deployment), rt's
 * Redis bus (the peer harness, no ingest/processor in the path), or a bare
 * Redis PUBLISH on a channel named after the topic (the peers).
 */
import { createClient } from 'redis';
import { RedisBus } from '../../bus/index.js';
import type { LoadOptions } from './options.js';

export interface Publisher {
  /** Publishes at the rate until `durationMs` has passed; resolves with messages published per topic. */
  run(durationMs: number): Promise<number[]>;
  close(): Promise<void>;
}

interface Outgoing {
  topic: string;
  ts: number;
  data: { seq: number; sent: number; pad?: string };
}

function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export async function createPublisher(options: LoadOptions, topicNames: readonly string[]): Promise<Publisher> {
  let send: (batch: Outgoing[]) => Promise<void>;
  let close: () => Promise<void> = async () => {};
  if (options.publish === 'ingest') {
    const endpoint = `${options.ingestUrl.replace(/\/+$/, '')}/v1/events`;
    send = async (batch) => {
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    };
  } else if (options.publish === 'bus') {
    const bus = new RedisBus({ url: options.redisUrl!, keyPrefix: options.keyPrefix });
    await bus.connect();
    send = async (batch) => {
      await bus.broker.publish(batch.map((m) => ({ topic: m.topic, body: { ts: m.ts, data: m.data } })));
    };
    close = () => bus.close();
  } else {
    const client = createClient({ url: options.redisUrl! });
    await client.connect();
    // node-redis pipelines the commands issued in one tick.
    send = async (batch) => {
      await Promise.all(batch.map((m) => client.publish(m.topic, JSON.stringify(m))));
    };
    close = async () => {
      await client.quit();
    };
  }
  const pad = options.payloadBytes > 0 ? 'x'.repeat(options.payloadBytes) : undefined;
  return {
    async run(durationMs) {
      const counts = topicNames.map(() => 0);
      const started = performance.now();
      let sent = 0;
      let next = 0;
      let failure: Error | null = null;
      // One batch after the other: concurrent ingest requests could land out of order.
      let chain: Promise<void> = Promise.resolve();
      while (performance.now() - started < durationMs && !failure) {
        const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
        if (due > sent) {
          const batch: Outgoing[] = [];
          const ts = Date.now();
          const at = nowUs();
          for (; sent < due; sent++) {
            const t = next;
            next = (next + 1) % topicNames.length;
            batch.push({ topic: topicNames[t], ts, data: pad ? { seq: counts[t]++, sent: at, pad } : { seq: counts[t]++, sent: at } });
          }
          chain = chain.then(() => (failure ? undefined : send(batch))).catch((error: Error) => {
            failure = error;
          });
        }
        await new Promise((r) => setTimeout(r, options.publishTickMs));
      }
      await chain;
      if (failure) throw failure;
      return counts;
    },
    close,
  };
}
