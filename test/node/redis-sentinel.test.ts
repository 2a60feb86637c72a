/**
 * The Redis bus through Sentinel (real master + replica + 3 Sentinels on free
 * ports): it finds the master, and when Sentinel fails over it follows the
 * new master, reports an interruption to subscribers, and every append it
 * acknowledged (WAIT 1 by default with Sentinel) is on the new master.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { RedisBus } from '../../bus/index.js';
import { freePort } from '../support/free-port.js';
import { startSentinelGroup, type TestSentinel } from '../support/redis-sentinel.js';

let group: TestSentinel;
before(async () => {
  group = await startSentinelGroup({ sentinels: 3, aof: true });
});
after(async () => group?.stop());

async function xlen(port: number, key: string): Promise<number> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  try {
    return Number(await client.sendCommand(['XLEN', key]));
  } finally {
    client.destroy();
  }
}

const until = async (check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> => {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
  }
};

test('the bus follows a Sentinel failover: acknowledged appends survive, subscribers are told, publishing resumes on the new master', async () => {
  const bus = new RedisBus({ url: group.url, keyPrefix: 'sent', partitions: 1 });
  await bus.connect();
  let interruptions = 0;
  bus.broker.onInterruption(() => interruptions++);
  const seen: string[] = [];
  await bus.broker.subscribe('t', (id) => seen.push(id));
  const before = await bus.broker.publish([{ topic: 't', body: { ts: 1, value: 1 } }]);
  await until(() => seen.length === 1, 'live message before failover');
  const positionBefore = await bus.broker.position('t');

  // Appends keep going through the failover; only those that resolved count as acknowledged.
  let acknowledged = 0;
  let failed = 0;
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const ids = await bus.ingest.append([{ topic: 't', ts: Date.now(), value: i }]);
        if (ids[0]) acknowledged++;
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  await until(() => acknowledged > 50, 'appends before the failover');
  const oldMaster = await group.masterPort();
  const newMaster = await group.failover();
  assert.notEqual(newMaster, oldMaster);
  await until(() => interruptions > 0, 'an interruption reported to subscribers after the master changed');
  const atSwitch = acknowledged;
  await until(() => acknowledged > atSwitch + 50, 'appends acknowledged by the new master');
  stop = true;
  await writer;
  assert.ok((await xlen(newMaster, 'sent:in:{0}')) >= acknowledged, `every acknowledged append (${acknowledged}, ${failed} failed) is on the new master`);

  // The epoch came over with the data; publishing and subscribing work on the new master.
  assert.equal((await bus.broker.position('t')).epoch, positionBefore.epoch);
  seen.length = 0;
  await bus.broker.subscribe('t', (id) => seen.push(id));
  const afterIds = await bus.broker.publish([{ topic: 't', body: { ts: 2, value: 2 } }]);
  await until(() => seen.includes(afterIds[0]!), 'live message on the new master');
  const history = await bus.broker.history('t', before[0]!, 10);
  assert.deepEqual(history.entries.map((e) => e.id), [afterIds[0]]);
  assert.ok(bus.healthy());
  await bus.close();
});

test('a Sentinel that does not answer is skipped for the next one in the URL', async () => {
  const dead = await freePort();
  const url = group.url.replace('redis+sentinel://', `redis+sentinel://127.0.0.1:${dead},`);
  const bus = new RedisBus({ url, keyPrefix: 'skip', partitions: 1 });
  await bus.connect();
  const [id] = await bus.ingest.append([{ topic: 'x', ts: 1, value: 1 }]);
  assert.ok(id);
  assert.equal(await xlen(await group.masterPort(), 'skip:in:{0}'), 1);
  await bus.close();
});
