/**
 * The ingest log contract: every promise of the `IngestLog` role, checked against
 * the memory engine and against the Redis engine on a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import { keyNames, RedisBus, type IngestEvent, type IngestLog } from '../../bus/index.js';
import { forEachEngine } from '../support/bus-engines.js';
import { startRedis } from '../support/redis-server.js';

const ev = (topic: string, value: number): IngestEvent => ({ topic, ts: 1_700_000_000_000 + value, value });

forEachEngine('ingest log', ({ make }) => {
  test('appended events are read by the consumer group in order, once', async () => {
    const log = (await make({ partitions: 2 })).ingest;
    await log.ensureGroup('g');
    const ids = await log.append([ev('a', 1), ev('a', 2), ev('b', 3), ev('a', 4)]);
    assert.equal(ids.length, 4);
    const read = await log.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
    assert.equal(read.length, 4);
    const aValues = read.filter((e) => e.event?.topic === 'a').map((e) => e.event?.value);
    assert.deepEqual(aValues, [1, 2, 4]);
    const again = await log.read('g', 'c1', [0, 1], { pending: false, count: 100, blockMs: 10 });
    assert.equal(again.length, 0);
  });

  test('unacknowledged entries stay pending for their consumer until acked', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    await log.append([ev('a', 1), ev('a', 2), ev('a', 3)]);
    const read = await log.read('g', 'c1', [0], { pending: false, count: 100, blockMs: 10 });
    await log.ack('g', read.slice(0, 1));
    const pending = await log.read('g', 'c1', [0], { pending: true, count: 100, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.event?.value), [2, 3]);
    const otherConsumer = await log.read('g', 'c2', [0], { pending: true, count: 100, blockMs: 0 });
    assert.equal(otherConsumer.length, 0);
  });

  test('a new consumer takes over the pending entries of a dead one', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    await log.append([ev('a', 1), ev('a', 2)]);
    await log.read('g', 'dead', [0], { pending: false, count: 100, blockMs: 10 });
    const moved = await log.takeOverPending('g', 'heir', 0);
    assert.equal(moved, 2);
    const pending = await log.read('g', 'heir', [0], { pending: true, count: 100, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.event?.value), [1, 2]);
  });

  test('a blocked read wakes up when an event is appended', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.ensureGroup('g');
    const reading = log.read('g', 'c', [0], { pending: false, count: 10, blockMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    await log.append([ev('a', 7)]);
    const got = await reading;
    assert.deepEqual(got.map((e) => e.event?.value), [7]);
  });

  test('an entry is trimmed only once every consumer group has acknowledged it, and never without a group', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    await log.append([1, 2, 3, 4, 5].map((v) => ev('a', v)));
    assert.equal((await log.trimAcknowledged())[0].entries, 5, 'no group yet: everything stays');
    await log.ensureGroup('g1');
    await log.ensureGroup('g2');
    const read1 = await log.read('g1', 'c', [0], { pending: false, count: 100, blockMs: 10 });
    await log.ack('g1', read1.slice(0, 3));
    assert.equal((await log.trimAcknowledged())[0].entries, 5, 'g2 has read nothing');
    const read2 = await log.read('g2', 'c', [0], { pending: false, count: 100, blockMs: 10 });
    assert.equal((await log.trimAcknowledged())[0].entries, 5, 'g2 has acknowledged nothing');
    await log.ack('g2', read2);
    assert.equal((await log.trimAcknowledged())[0].entries, 2, 'what g1 still holds pending stays');
    const pending = await log.read('g1', 'c', [0], { pending: true, count: 100, blockMs: 0 });
    assert.deepEqual(pending.map((e) => e.event?.value), [4, 5], 'pending entries are intact');
    await log.ack('g1', pending);
    assert.deepEqual(await log.trimAcknowledged(), [{ partition: 0, entries: 0, oldestAgeMs: 0 }]);
    await log.append([ev('a', 6)]);
    const next = await log.read('g1', 'c', [0], { pending: false, count: 100, blockMs: 10 });
    assert.deepEqual(next.map((e) => e.event?.value), [6], 'reading goes on after a trim');
  });

  test('the backlog counts unread entries per partition and ages by the oldest one kept', async () => {
    const log = (await make({ partitions: 2 })).ingest;
    await log.ensureGroup('g');
    const topics = ['x', 'y', 'z', 'w', 'v'];
    const hot = log.partitionOf('x');
    const events = topics.map((t, i) => ev(t, i));
    await log.append(events);
    await new Promise((r) => setTimeout(r, 60));
    const backlog = await log.trimAcknowledged();
    assert.deepEqual(backlog.map((b) => b.partition), [0, 1]);
    for (const b of backlog) {
      const expected = topics.filter((t) => log.partitionOf(t) === b.partition).length;
      assert.equal(b.entries, expected);
      if (expected > 0) assert.ok(b.oldestAgeMs >= 40 && b.oldestAgeMs < 60_000, `age ${b.oldestAgeMs}`);
      else assert.equal(b.oldestAgeMs, 0);
    }
    const read = await log.read('g', 'c', [hot], { pending: false, count: 100, blockMs: 10 });
    await log.ack('g', read);
    assert.equal((await log.trimAcknowledged())[hot].entries, 0);
  });

  /** Every entry of all partitions, read once through a fresh group. */
  const everything = async (log: IngestLog): Promise<IngestEvent[]> => {
    const group = `all-${Math.random().toString(36).slice(2)}`;
    await log.ensureGroup(group);
    const read = await log.read(group, 'c', Array.from({ length: log.partitions }, (_, i) => i), { pending: false, count: 10_000, blockMs: 10 });
    return read.map((e) => e.event!);
  };

  test('a request appended again under the same request key is skipped whole, on every partition, within the window', async () => {
    const log = (await make({ partitions: 4 })).ingest;
    const batch = ['a', 'b', 'c', 'd', 'e', 'f'].map((t, i) => ev(t, i));
    const first = await log.append(batch, { requestKey: 'req-1' });
    assert.ok(first.every((id) => id !== null));
    assert.deepEqual(await log.append(batch, { requestKey: 'req-1' }), batch.map(() => null));
    const other = await log.append(batch.slice(0, 2), { requestKey: 'req-2' });
    assert.ok(other.every((id) => id !== null));
    assert.equal((await everything(log)).length, 8);
  });

  test('concurrent appends with the same request key append once', async () => {
    const log = (await make({ partitions: 2 })).ingest;
    const batch = [ev('a', 1), ev('b', 2), ev('c', 3)];
    const results = await Promise.all([1, 2, 3].map(() => log.append(batch, { requestKey: 'same' })));
    assert.equal(results.flat().filter((id) => id !== null).length, 3);
    assert.equal((await everything(log)).length, 3);
  });

  test('an event id is appended once per topic within the window, even twice in one request', async () => {
    const log = (await make({ partitions: 2 })).ingest;
    const ids = await log.append([ev('a', 1), ev('a', 2), ev('b', 3), ev('a', 4)], { eventIds: ['x', 'x', 'x', undefined] });
    assert.deepEqual(ids.map((id) => id !== null), [true, false, true, true]);
    const again = await log.append([ev('a', 5), ev('a', 6)], { eventIds: ['x', 'y'] });
    assert.deepEqual(again.map((id) => id !== null), [false, true]);
    assert.deepEqual((await everything(log)).map((e) => e.value).sort(), [1, 3, 4, 6]);
  });

  test('after the window a key can be used again', async () => {
    const log = (await make({ partitions: 1 })).ingest;
    assert.notEqual((await log.append([ev('a', 1)], { requestKey: 'k', windowMs: 50 }))[0], null);
    assert.equal((await log.append([ev('a', 1)], { requestKey: 'k', windowMs: 50 }))[0], null);
    await new Promise((r) => setTimeout(r, 120));
    assert.notEqual((await log.append([ev('a', 1)], { requestKey: 'k', windowMs: 50 }))[0], null);
  });
});

test('the Redis ingest log validates entries that producers wrote to the stream directly, hostile ones included', async () => {
  const server = await startRedis();
  const bus = new RedisBus({ url: server.url, keyPrefix: 'direct', partitions: 1 });
  await bus.connect();
  const raw = createClient({ url: server.url });
  await raw.connect();
  try {
    await bus.ingest.ensureGroup('g');
    const key = keyNames('direct').ingest(0);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'ok.topic', 'value', '4.5']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'bad topic', 'value', '1']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', '{not json']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'value', 'NaN']);
    await raw.sendCommand(['XADD', key, '*', 'topic', 'x', 'data', `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`]);
    const read = await bus.ingest.read('g', 'c', [0], { pending: false, count: 10, blockMs: 10 });
    assert.equal(read.length, 5);
    assert.equal(read[0].event?.value, 4.5);
    assert.equal(typeof read[0].event?.ts, 'number');
    assert.match(read[1].problem ?? '', /topic/);
    assert.match(read[2].problem ?? '', /data/);
    assert.match(read[3].problem ?? '', /value/);
    assert.match(read[4].problem ?? '', /levels deep/);
  } finally {
    await raw.destroy();
    await bus.close();
    await server.stop();
  }
});

test('the Redis fenced read decodes every entry as the plain read does: value events in their short form, hostile ones and trimmed ones included', async () => {
  const server = await startRedis();
  const bus = new RedisBus({ url: server.url, keyPrefix: 'fenced', partitions: 1 });
  await bus.connect();
  const raw = createClient({ url: server.url });
  await raw.connect();
  try {
    await bus.ingest.ensureGroup('plain');
    await bus.ingest.ensureGroup('fenced');
    assert.equal(await bus.coordination.lease(0, 'me#1', 10_000), true);
    const key = keyNames('fenced').ingest(0);
    const entries: string[][] = [
      // `topic ts value` exactly: FENCED_READ's short form.
      ['topic', 'ok.a', 'ts', '1700000000000', 'value', '4.5'],
      ['topic', 'ok.a', 'ts', '', 'value', '1'],
      ['topic', 'ok.a', 'ts', '  ', 'value', '1'],
      ['topic', 'ok.a', 'ts', '1.5', 'value', '1'],
      ['topic', 'ok.a', 'ts', '-1', 'value', '1'],
      ['topic', 'ok.a', 'ts', '9007199254740993', 'value', '1'],
      ['topic', 'ok.a', 'ts', '1', 'value', ' '],
      ['topic', 'ok.a', 'ts', '1', 'value', 'Infinity'],
      ['topic', 'ok.a', 'ts', '1', 'value', 'abc'],
      ['topic', 'ok.a', 'ts', '0', 'value', '0'],
      ['topic', 'ok.a', 'ts', ' 0x10 ', 'value', '1e3'],
      ['topic', '$sys.x', 'ts', '1', 'value', '1'],
      ['topic', 'bad topic', 'ts', '1', 'value', '1'],
      ['topic', '', 'ts', '1', 'value', '1'],
      ['topic', 'ok.a', 'ts', '007', 'value', '-5'],
      ['topic', 'ok.a', 'ts', '1', 'value', '-0'],
      ['topic', 'ok.a', 'ts', '1', 'value', '-'],
      ['topic', 'ok.a', 'ts', '1', 'value', '+2'],
      ['topic', 'ok.a', 'ts', '1234567890123456', 'value', '999999999999999'],
      ['topic', 'ok.a', 'ts', '1', 'value', '0.1'],
      // Every other layout: the stored fields as they are.
      ['topic', 'ok.a', 'value', '2', 'ts', '1'],
      ['topic', 'ok.a', 'ts', '1', 'value', '2', 'data', '{"k":1}'],
      ['topic', 'ok.a', 'ts', '1', 'data', '{"k":[1,2]}'],
      ['topic', 'ok.a', 'ts', '1', 'value', '2', 'extra', 'x'],
      ['topic', 'ok.a', 'ts', '1', 'value', '2', 'value', '3'],
      ['ts', '1', 'topic', 'ok.a', 'value', '2'],
      ['TOPIC', 'ok.a', 'ts', '1', 'value', '2'],
    ];
    const ids: string[] = [];
    for (const fields of entries) ids.push(String(await raw.sendCommand(['XADD', key, '*', ...fields])));
    const options = { pending: false, count: 100, blockMs: 10 };
    const plain = await bus.ingest.read('plain', 'c', [0], options);
    const fenced = await bus.ingest.readFenced(new Map([[0, 'me#1']]), 'fenced', 'c', options);
    assert.deepEqual(fenced.refused, []);
    assert.equal(fenced.entries.length, entries.length);
    assert.deepEqual(fenced.entries, plain);
    assert.deepEqual(fenced.entries[0], { partition: 0, id: ids[0], event: { topic: 'ok.a', ts: 1_700_000_000_000, value: 4.5 } });
    assert.deepEqual(fenced.entries[10].event, { topic: 'ok.a', ts: 16, value: 1000 });
    assert.equal(fenced.entries.filter((e) => e.event === null).length, 14);
    assert.deepEqual(fenced.entries.slice(14, 20).map((e) => e.event && [e.event.ts, e.event.value]), [[7, -5], [1, -0], null, [1, 2], [1234567890123456, 999999999999999], [1, 0.1]]);

    // Removed while pending (not by rt): comes back without content, as on a plain read.
    await raw.sendCommand(['XDEL', key, ids[0], ids[21]]);
    const pending = { pending: true, count: 100, blockMs: 0 };
    const plainAgain = await bus.ingest.read('plain', 'c', [0], pending);
    const fencedAgain = await bus.ingest.readFenced(new Map([[0, 'me#1']]), 'fenced', 'c', pending);
    assert.deepEqual(fencedAgain.entries, plainAgain);
    assert.deepEqual(fencedAgain.entries[0], { partition: 0, id: ids[0], event: null, problem: 'entry was trimmed before it was processed' });
    assert.equal(fencedAgain.entries[21].event, null);
    assert.deepEqual(fencedAgain.entries[22], fenced.entries[22]);
  } finally {
    await raw.destroy();
    await bus.close();
    await server.stop();
  }
});
