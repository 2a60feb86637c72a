/**
 * Chaos 8: any legal history reaches a client that reads. A replay of 500
 * messages of 60 KB (`since`) and a `snapshot: 5000` of 2 KB messages are
 * both far over the 8 MiB slow-consumer bound when queued at once; they must
 * arrive whole, in order, without the connection being closed.
 *
 * Both failed before catch-up was paced by the socket (issue 8, defect 1:
 * the gateway queued a whole history page and closed the client with 4008,
 * forever); now they are strict checks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { keyNames } from '../../bus/index.js';
import { ChaosClient } from './support/chaos-client.js';
import { Publisher } from './support/publisher.js';
import { recorded, sleep } from './support/scenario.js';
import { Stack } from './support/stack.js';

let stack: Stack;
before(async () => (stack = await Stack.start()));
after(() => stack?.stop());

/** Publishes `count` messages of about `bytes` each on one topic and waits until all are in its history. */
async function fill(topic: string, count: number, bytes: number): Promise<Publisher> {
  const perRequest = Math.max(1, Math.floor(900_000 / bytes));
  const publisher = new Publisher({ url: stack.ingest.url, topics: [topic], rate: 1, padBytes: bytes });
  for (let sent = 0; sent < count; sent += perRequest) assert.ok(await publisher.publishOnce(Math.min(perRequest, count - sent)), 'ingest accepted every event');
  const redis = createClient({ url: stack.redis.url });
  await redis.connect();
  try {
    const deadline = Date.now() + 60_000;
    while ((await redis.xLen(keyNames().history(topic))) < count) {
      assert.ok(Date.now() < deadline, `the processor published all ${count} messages`);
      await sleep(100);
    }
  } finally {
    await redis.quit();
  }
  return publisher;
}

async function catchUp(name: string, topic: string, publisher: Publisher, first: Record<string, unknown>): Promise<void> {
  const count = publisher.lastAcked(topic);
  const client = new ChaosClient({ url: stack.gateways[0].wsUrl, topics: [{ topic, first }], silenceMs: 10_000 });
  const started = Date.now();
  try {
    const deadline = Date.now() + 30_000;
    while (client.seqs(topic).length < count && Date.now() < deadline && client.closes.length < 3) await sleep(50);
    const seqs = client.seqs(topic);
    const figures = {
      scenario: name,
      clients: 1,
      sent: count,
      acknowledged: count,
      received: new Set(seqs).size,
      owed: count,
      lost: count - new Set(seqs).size,
      duplicated: seqs.length - new Set(seqs).size,
      outOfOrder: 0,
      told: 0,
      gaps: 0,
      resets: 0,
      examples: [],
      recoveryMs: seqs.length === count ? Date.now() - started : undefined,
      peakGatewayRssMiB: stack.rss.peakMiB('gateway'),
    };
    await recorded(figures, async () => {
      const closes = client.closes.map((c) => c.code);
      assert.deepEqual(closes, [], `the connection is never closed (closes: ${closes.join(',')}; received ${seqs.length} of ${count})`);
      assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i + 1), 'every message once, in order');
    });
  } finally {
    client.close();
  }
}

test('a replay of 500 messages of 60 KB arrives whole, in order, without a 4008', async () => {
  const topic = 'chaos.catchup.big';
  const publisher = await fill(topic, 500, 60_000);
  await catchUp('catch-up-500x60KB', topic, publisher, { since: '0-0' });
});

test('a snapshot of 5000 messages of 2 KB arrives whole, in order, without a 4008', async () => {
  const topic = 'chaos.catchup.many';
  const publisher = await fill(topic, 5000, 2000);
  await catchUp('snapshot-5000x2KB', topic, publisher, { snapshot: 5000 });
});
