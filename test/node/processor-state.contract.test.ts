/**
 * The processor-state contract: a commit acknowledges entries and stores the
 * window checkpoint together, and dead letters are kept in order, checked
 * against the memory engine and the Redis engine on a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachEngine } from '../support/bus-engines.js';

forEachEngine('processor state', ({ make, redisUrl }) => {
  test('on Redis, a processor whose partition lease another holds can neither read it nor commit to it', async (t) => {
    if (!redisUrl()) return t.skip('one process never loses a lease to a pause');
    const bus = await make({ partitions: 1 });
    await bus.ingest.ensureGroup('g');
    await bus.ingest.append([{ topic: 'f', ts: 1, value: 1 }]);
    assert.equal(await bus.coordination.lease(0, 'old', 10_000), true);
    const read = await bus.ingest.readFenced(new Map([[0, 'old']]), 'g', 'old', { pending: false, count: 10, blockMs: 10 });
    assert.equal(read.entries.length, 1);
    await bus.coordination.releaseLease(0, 'old');
    assert.equal(await bus.coordination.lease(0, 'new', 10_000), true);
    assert.deepEqual(await bus.ingest.readFenced(new Map([[0, 'old']]), 'g', 'old', { pending: true, count: 10, blockMs: 0 }), { entries: [], refused: [0] });
    assert.equal(await bus.state.commit('old', 'g', 0, [read.entries[0].id], '{"stale":true}'), false);
    assert.equal(await bus.state.checkpoint('g', 0), null, 'nothing stored');
    assert.equal((await bus.ingest.readFenced(new Map([[0, 'new']]), 'g', 'old', { pending: true, count: 10, blockMs: 0 })).entries.length, 1, 'nothing acknowledged');
    assert.equal(await bus.state.commit('new', 'g', 0, [read.entries[0].id], '{"w":2}'), true);
  });

  test('on Redis, a lease that expired fences its former holder out even while nobody else holds it', async (t) => {
    if (!redisUrl()) return t.skip('one process never loses a lease to a pause');
    const bus = await make({ partitions: 1 });
    await bus.ingest.ensureGroup('g');
    await bus.ingest.append([{ topic: 'f', ts: 1, value: 1 }]);
    assert.equal(await bus.coordination.lease(0, 'slow', 40), true);
    const read = await bus.ingest.readFenced(new Map([[0, 'slow']]), 'g', 'slow', { pending: false, count: 10, blockMs: 10 });
    assert.equal(read.entries.length, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(await bus.ingest.readFenced(new Map([[0, 'slow']]), 'g', 'slow', { pending: true, count: 10, blockMs: 0 }), { entries: [], refused: [0] });
    assert.equal(await bus.state.commit('slow', 'g', 0, [read.entries[0].id], '{"late":true}'), false);
    assert.equal(await bus.state.checkpoint('g', 0), null, 'nothing stored');
  });

  test('a commit acknowledges its entries and stores the checkpoint; a null checkpoint keeps the stored one', async () => {
    const bus = await make({ partitions: 2 });
    await bus.ingest.ensureGroup('g');
    await bus.ingest.append([1, 2, 3].map((v) => ({ topic: 'a', ts: v, value: v })));
    const p = bus.ingest.partitionOf('a');
    const read = await bus.ingest.read('g', 'c1', [p], { pending: false, count: 10, blockMs: 10 });
    assert.equal(await bus.state.checkpoint('g', p), null);
    assert.equal(await bus.coordination.lease(p, 'c1', 10_000), true);
    await bus.state.commit('c1', 'g', p, [read[0].id, read[1].id], '{"w":1}');
    assert.equal(await bus.state.checkpoint('g', p), '{"w":1}');
    const pending = await bus.ingest.read('g', 'c1', [p], { pending: true, count: 10, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.id), [read[2].id], 'only the uncommitted entry is pending');
    await bus.state.commit('c1', 'g', p, [read[2].id], null);
    assert.equal(await bus.state.checkpoint('g', p), '{"w":1}');
    assert.deepEqual(await bus.ingest.read('g', 'c1', [p], { pending: true, count: 10, blockMs: 0 }), []);
    assert.equal(await bus.state.checkpoint('other', p), null, 'checkpoints are per group');
  });

  test('a commit of thousands of entries acknowledges every one', async () => {
    const bus = await make({ partitions: 1 });
    await bus.ingest.ensureGroup('g');
    await bus.ingest.append(Array.from({ length: 9000 }, (_, i) => ({ topic: 'b', ts: i, value: i })));
    const ids: string[] = [];
    for (;;) {
      const batch = await bus.ingest.read('g', 'c1', [0], { pending: false, count: 5000, blockMs: 10 });
      if (batch.length === 0) break;
      ids.push(...batch.map((e) => e.id));
    }
    assert.equal(ids.length, 9000);
    assert.equal(await bus.coordination.lease(0, 'c1', 10_000), true);
    assert.equal(await bus.state.commit('c1', 'g', 0, ids, '{"n":9000}'), true);
    assert.deepEqual(await bus.ingest.read('g', 'c1', [0], { pending: true, count: 10, blockMs: 0 }), []);
    assert.equal(await bus.state.checkpoint('g', 0), '{"n":9000}');
  });

  test('dead letters come back oldest first with every field', async () => {
    const bus = await make();
    const letter = (n: number) => ({ code: 'field_missing', reason: `reason ${n}`, partition: n % 4, id: `${n}-0`, entry: JSON.stringify({ topic: 't', ts: n }) });
    await bus.state.deadLetter([letter(1), letter(2)]);
    await bus.state.deadLetter([letter(3)]);
    const stored = await bus.state.deadLetters(2);
    assert.deepEqual(stored.map(({ deadLetterId, ...rest }) => rest), [letter(2), letter(3)]);
    assert.ok(stored[0].deadLetterId < stored[1].deadLetterId || stored[0].deadLetterId.length < stored[1].deadLetterId.length);
  });
});
