/**
 * The broker contract: every promise of the `Broker` role, checked against
 * the memory engine and against the Redis engine on a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import { parseRetentionRules, RetentionPolicy, type Broker } from '../../bus/index.js';
import { compareIds } from '../../protocol/index.js';
import { forEachEngine } from '../support/bus-engines.js';
import { eventually } from '../support/ws-client.js';

forEachEngine('broker', ({ make, redisUrl }) => {
  test('published messages reach subscribers in order with increasing ids, and land in history', async () => {
    const broker = (await make()).broker;
    const got: [string, string][] = [];
    const stop = await broker.subscribe('cpu', (id, body) => got.push([id, body]));
    const ids = await broker.publish([1, 2, 3].map((v) => ({ topic: 'cpu', body: { ts: v, value: v } })));
    await eventually(() => got.length === 3);
    assert.deepEqual(got.map(([id]) => id), ids);
    assert.deepEqual(got.map(([, body]) => JSON.parse(body).value), [1, 2, 3]);
    assert.ok(compareIds(ids[0]!, ids[1]!) < 0 && compareIds(ids[1]!, ids[2]!) < 0);
    const history = await broker.history('cpu', '0-0', 100);
    assert.deepEqual(history.entries.map((e) => e.id), ids);
    assert.equal(history.gap, false);
    const since = await broker.history('cpu', ids[0]!, 100);
    assert.deepEqual(since.entries.map((e) => e.id), ids.slice(1));
    assert.deepEqual((await broker.latest('cpu', 2)).map((e) => e.id), ids.slice(1));
    await stop();
    await broker.publish([{ topic: 'cpu', body: { ts: 4, value: 4 } }]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, 3, 'no delivery after unsubscribe');
  });

  test('a batch of one topic reaches subscribers as separate messages, text with newlines and spaces intact', async () => {
    const broker = (await make()).broker;
    const got: [string, string][] = [];
    const stop = await broker.subscribe('lines', (id, body) => got.push([id, body]));
    const texts = ['a b', 'line\nbreak', ' ', '\r\n\n', 'last'];
    const ids = await broker.publish(texts.map((text, i) => ({ topic: 'lines', body: { ts: i, data: { text } } })));
    await eventually(() => got.length === texts.length);
    assert.deepEqual(got.map(([id]) => id), ids);
    assert.deepEqual(got.map(([, body]) => JSON.parse(body).data.text), texts);
    await stop();
  });

  test("a topic's epoch is created with its history, stays while the history lives, and top follows publishes", async () => {
    const broker = (await make()).broker;
    const before = await broker.position('ep');
    assert.match(before.epoch, /^[A-Za-z0-9_-]{8}$/);
    assert.equal(before.top, '0-0');
    const ids = (await broker.publish([1, 2].map((v) => ({ topic: 'ep', body: { ts: v, value: v } })))) as string[];
    const after = await broker.position('ep');
    assert.equal(after.epoch, before.epoch, 'publishing keeps the epoch a read created');
    assert.equal(after.top, ids[1]);
    const published = (await broker.publish([{ topic: 'ep2', body: { ts: 1, value: 1 } }])) as string[];
    assert.deepEqual(await broker.position('ep2'), { epoch: (await broker.position('ep2')).epoch, top: published[0] });
  });

  test('positions of several topics, asked for together and apart in one tick, agree with position', async () => {
    const broker = (await make()).broker;
    const ids = (await broker.publish([{ topic: 'pa', body: { ts: 1, value: 1 } }, { topic: 'pb', body: { ts: 2, value: 2 } }])) as string[];
    // Two frames in the same tick, sharing a topic, and a topic with no history yet.
    const [first, second] = await Promise.all([broker.positions(['pa', 'pb', 'pnew']), broker.positions(['pb', 'pa'])]);
    assert.equal(first.length, 3);
    assert.equal(second.length, 2);
    for (const p of [...first, ...second]) assert.ok(!(p instanceof Error), String(p));
    const [pa, pb, pnew] = first as { epoch: string; top: string }[];
    assert.equal(pa.top, ids[0]);
    assert.equal(pb.top, ids[1]);
    assert.equal(pnew.top, '0-0');
    assert.match(pnew.epoch, /^[A-Za-z0-9_-]{8}$/);
    assert.deepEqual(second, [pb, pa], 'the same topic read in one tick gives each asker the same position');
    assert.deepEqual(await broker.position('pnew'), pnew, 'the epoch a batched read created stays');
    assert.deepEqual(await broker.positions([]), []);
  });

  test('a history that was lost (a flushed Redis, a new process) starts over with another epoch', async () => {
    const broker = (await make()).broker;
    await broker.publish([{ topic: 'lost', body: { ts: 1, value: 1 } }]);
    const before = await broker.position('lost');
    const url = redisUrl();
    let again: Broker;
    if (url) {
      const admin = createClient({ url });
      await admin.connect();
      await admin.flushAll();
      await admin.destroy();
      again = broker;
    } else {
      again = (await make()).broker;
    }
    const lost = await again.position('lost');
    assert.notEqual(lost.epoch, before.epoch);
    assert.equal(lost.top, '0-0');
    await again.publish([{ topic: 'lost', body: { ts: 2, value: 2 } }]);
    assert.equal((await again.position('lost')).epoch, lost.epoch, 'the new epoch stays');
  });

  test('latest with a minimum id returns only entries at or after it, newest count of them', async () => {
    const broker = (await make()).broker;
    const ids = (await broker.publish([1, 2, 3, 4, 5].map((v) => ({ topic: 'win', body: { ts: v, value: v } })))) as string[];
    assert.deepEqual((await broker.latest('win', 10, ids[2])).map((e) => e.id), ids.slice(2));
    assert.deepEqual((await broker.latest('win', 2, ids[1])).map((e) => e.id), ids.slice(3));
    assert.deepEqual(await broker.latest('win', 10, '99999999999999-0'), []);
  });

  test('latest reads asked for together in one tick each get their own answer', async () => {
    const broker = (await make()).broker;
    const ids = (await broker.publish([1, 2, 3].map((v) => ({ topic: 'lt', body: { ts: v, value: v } })))) as string[];
    await broker.publish([{ topic: 'lt2', body: { ts: 9, value: 9 } }]);
    const [a, b, c, d, e] = await Promise.all([broker.latest('lt', 2), broker.latest('lt', 2), broker.latest('lt', 3), broker.latest('lt', 10, ids[1]), broker.latest('lt2', 2)]);
    assert.deepEqual(a.map((x) => x.id), ids.slice(1));
    assert.deepEqual(b.map((x) => x.id), ids.slice(1));
    assert.deepEqual(c.map((x) => x.id), ids);
    assert.deepEqual(d.map((x) => x.id), ids.slice(1));
    assert.deepEqual(e.map((x) => JSON.parse(x.body).value), [9]);
    assert.deepEqual(await broker.latest('lt', 0), []);
  });

  test('a publish whose source is not newer than the last one is skipped', async () => {
    const broker = (await make()).broker;
    const first = await broker.publish([
      { topic: 't', body: { ts: 1, value: 1 }, source: { partition: 0, id: '5-0' } },
      { topic: 't', body: { ts: 2, value: 2 }, source: { partition: 0, id: '6-0' } },
    ]);
    assert.ok(first.every((id) => id !== null));
    const redo = await broker.publish([
      { topic: 't', body: { ts: 1, value: 1 }, source: { partition: 0, id: '5-0' } },
      { topic: 't', body: { ts: 2, value: 2 }, source: { partition: 0, id: '6-0' } },
      { topic: 't', body: { ts: 3, value: 3 }, source: { partition: 0, id: '7-0' } },
    ]);
    assert.equal(redo[0], null);
    assert.equal(redo[1], null);
    assert.notEqual(redo[2], null);
    assert.equal((await broker.history('t', '0-0', 100)).entries.length, 3);
  });

  test('history reports a gap when entries after the requested id were trimmed', async () => {
    const broker = (await make({ historyMaxLen: 10 })).broker;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(...((await broker.publish(Array.from({ length: 10 }, (_, j) => ({ topic: 'g', body: { ts: i * 10 + j, value: j } })))) as string[]));
    // The hard cap is applied by the trimmer (every 50 ms here), not on the publish path.
    await eventually(async () => (await broker.history('g', ids[0]!, 1000)).gap, 5000, 'the hard cap trimmed g');
    const recent = await broker.history('g', ids[ids.length - 3]!, 1000);
    assert.equal(recent.gap, false);
    assert.deepEqual(recent.entries.map((e) => e.id), ids.slice(-2));
    await broker.publish([1, 2, 3].map((v) => ({ topic: 'fresh', body: { ts: v, value: v } })));
    assert.equal((await broker.history('fresh', '0-0', 10)).gap, false, 'from the start of an untrimmed topic');
    assert.equal((await broker.history('fresh', '1-0', 10)).gap, true, 'a since that is no id of the topic cannot be proven gap-free');
    const missing = await broker.history('never-published', '0-0', 10);
    assert.deepEqual(missing, { entries: [], gap: false });
  });

  test('retention keeps the newest messages of a rule, and everything younger than its age, whichever is more', async () => {
    const retention = new RetentionPolicy(parseRetentionRules('count.*=50/1ms, age.*=50/1h'));
    const broker = (await make({ retention })).broker;
    const publishMany = async (topic: string): Promise<void> => {
      for (let i = 0; i < 10; i++) await broker.publish(Array.from({ length: 100 }, (_, j) => ({ topic, body: { ts: i * 100 + j, value: j } })));
    };
    await publishMany('count.t');
    await publishMany('age.t');
    await new Promise((r) => setTimeout(r, 200));
    await broker.publish([{ topic: 'count.t', body: { ts: 1, value: 1 } }]);
    // A trim that ran while the batches were still arriving may leave more
    // than the bound for a moment; the trim after the last publish brings it there.
    await eventually(async () => (await broker.history('count.t', '0-0', 10_000)).entries.length <= 51 + 100, 5000, 'count.t trimmed');
    const counted = (await broker.history('count.t', '0-0', 10_000)).entries.length;
    // Redis trims whole stream nodes (100 entries by default): at least the 50 newest, at most a node more.
    assert.ok(counted >= 50 && counted <= 51 + 100, `count.t keeps ${counted}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await broker.history('age.t', '0-0', 10_000)).entries.length, 1000, 'nothing younger than an hour is removed');
  });

  test('the hard cap bounds a history above any retention', async () => {
    const broker = (await make({ historyMaxLen: 10, retention: new RetentionPolicy(parseRetentionRules('*=100000/1h')) })).broker;
    for (let i = 0; i < 5; i++) await broker.publish(Array.from({ length: 100 }, (_, j) => ({ topic: 'capped', body: { ts: i * 100 + j, value: j } })));
    const kept = async (): Promise<number> => (await broker.history('capped', '0-0', 10_000)).entries.length;
    await eventually(async () => (await kept()) <= 10 + 100, 5000, 'capped trimmed to its cap');
    assert.ok((await kept()) >= 10, `capped keeps ${await kept()}`);
  });
});
