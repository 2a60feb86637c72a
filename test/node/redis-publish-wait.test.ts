/**
 * Publishes of ingest entries wait for replicas (RT_REDIS_WAIT_REPLICAS) the
 * way appends do: with the replica frozen (SIGSTOP of the replica process
 * this test started) a publish is refused with ReplicaAckError, also when
 * redone from a new connection, and the processor leaves its entries
 * pending; once the replica runs again the redo is acknowledged, nothing is
 * published twice, and a Sentinel failover afterwards loses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisBus, ReplicaAckError, type PublishRequest } from '../../bus/index.js';
import { Processor } from '../../processor/index.js';
import { redisCommand, startRedis, type TestRedis } from '../support/redis-server.js';
import { startSentinelGroup, type TestSentinel } from '../support/redis-sentinel.js';

const until = async (check: () => Promise<boolean> | boolean, what: string | (() => string), ms = 20_000): Promise<void> => {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out: ${typeof what === 'string' ? what : what()}`);
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const xlen = async (port: number, key: string): Promise<number> => Number(await redisCommand(port, ['XLEN', key]));
/** Entries of the consumer group still pending (delivered, not acknowledged). */
const pending = async (port: number, key: string, group: string): Promise<number> => Number(((await redisCommand(port, ['XPENDING', key, group])) as unknown[])[0]);

/** Freezes a redis-server this test started (SIGSTOP); the returned function thaws it. */
function freeze(node: TestRedis): () => void {
  node.process.kill('SIGSTOP');
  let thawed = false;
  return () => {
    if (!thawed) node.process.kill('SIGCONT');
    thawed = true;
  };
}

describe('publish WAIT on one master and its replica', () => {
  let master: TestRedis;
  let replica: TestRedis;
  before(async () => {
    master = await startRedis();
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    await until(async () => /master_link_status:up/.test(String(await redisCommand(replica.port, ['INFO', 'replication']))), 'replica in sync');
  });
  after(async () => Promise.all([replica, master].map((r) => r?.stop())));

  test('a sourced publish resolves only once the replica has it; while it is frozen it is refused, also when redone on a new connection', async () => {
    const options = { url: master.url, keyPrefix: 'pw', partitions: 1, waitReplicas: 1, waitTimeoutMs: 300 };
    const bus = new RedisBus(options);
    await bus.connect();
    const request = (id: string, value: number): PublishRequest => ({ topic: 't', body: { ts: value, value }, source: { partition: 0, id } });
    const [first] = await bus.broker.publish([request('1-0', 1)]);
    assert.ok(first);
    assert.equal(await xlen(replica.port, 'pw:{t}:h'), 1, 'the replica has what was acknowledged');

    const thaw = freeze(replica);
    try {
      await assert.rejects(bus.broker.publish([request('2-0', 2)]), (error: unknown) => {
        assert.ok(error instanceof ReplicaAckError);
        assert.match(error.message, /only 0 of 1 Redis replica\(s\) confirmed the publish within 300 ms \(RT_REDIS_WAIT_REPLICAS, RT_REDIS_WAIT_TIMEOUT_MS\)/);
        return true;
      });
      // Unsourced publishes (the gateway's system topics) acknowledge no ingest entry: they do not wait.
      const [system] = await bus.broker.publish([{ topic: 's', body: { ts: 1, value: 1 } }]);
      assert.ok(system);
      // The redo skips the message (already in history) and still is not acknowledged,
      // also from a connection that never wrote it (WAIT counts its own connection's writes;
      // a fresh connection that sent nothing would get 1 at once).
      await assert.rejects(bus.broker.publish([request('2-0', 2)]), ReplicaAckError);
      const other = new RedisBus(options);
      await other.connect();
      try {
        await assert.rejects(other.broker.publish([request('2-0', 2)]), ReplicaAckError, 'a redo from a new connection waits for what the first attempt wrote');
      } finally {
        await other.close();
      }
    } finally {
      thaw();
    }
    assert.deepEqual(await bus.broker.publish([request('2-0', 2)]), [null], 'once the replica is back the redo is acknowledged, publishing nothing twice');
    assert.equal(await xlen(master.port, 'pw:{t}:h'), 2);
    assert.equal(await xlen(replica.port, 'pw:{t}:h'), 2, 'the replica has both');
    await bus.close();
  });
});

describe('publish WAIT through Sentinel, with a processor', () => {
  let group: TestSentinel;
  before(async () => {
    group = await startSentinelGroup({ sentinels: 1 });
  });
  after(async () => group?.stop());

  test('the processor does not acknowledge entries while the replica is frozen, does once it is back, and a failover then loses nothing', async () => {
    // WAIT 1 is the default with Sentinel; the timeout stays well under the lease time.
    const bus = new RedisBus({ url: group.url, keyPrefix: 'sw', partitions: 1, waitTimeoutMs: 200 });
    await bus.connect();
    const errors: string[] = [];
    const lines: string[] = [];
    const log = {
      info: (obj: object, msg: string) => void lines.push(`info ${msg} ${JSON.stringify(obj)}`),
      warn: (obj: object, msg: string) => void lines.push(`warn ${msg} ${JSON.stringify(obj)}`),
      error: (obj: object, msg: string) => {
        errors.push(String((obj as { error?: string }).error));
        lines.push(`error ${msg} ${JSON.stringify(obj)}`);
      },
    };
    const processor = new Processor({ ingest: bus.ingest, coordination: bus.coordination, broker: bus.broker, state: bus.state, log, blockMs: 50 });
    const master = await group.masterPort();
    const replicaNode = group.nodes.find((n) => n.port !== master)!;
    await bus.ingest.append(Array.from({ length: 20 }, (_, i) => ({ topic: 't', ts: i + 1, value: i })));
    const thaw = freeze(replicaNode);
    try {
      await processor.start();
      await until(async () => (await xlen(master, 'sw:{t}:h')) === 20, 'the 20 messages published on the master');
      // Several batch attempts (each waits 200 ms, then retries after 1 s): none may acknowledge.
      await sleep(2500);
      assert.equal(await pending(master, 'sw:in:{0}', 'rt-processor'), 20, 'nothing acknowledged while the replica cannot confirm the publish');
      assert.equal(processor.stats.processed, 0);
      assert.ok(errors.some((e) => /confirmed the publish/.test(e)), `the processor logged why: ${errors.join('; ')}`);
    } finally {
      thaw();
    }
    await until(async () => (await pending(master, 'sw:in:{0}', 'rt-processor')) === 0, 'acknowledged once the replica is back');
    assert.equal(processor.stats.processed, 20);
    assert.equal(await xlen(master, 'sw:{t}:h'), 20, 'the redo published nothing twice');
    assert.equal(await xlen(replicaNode.port, 'sw:{t}:h'), 20, 'the replica holds every message whose entry was acknowledged');

    // A failover now loses no message of an acknowledged entry, and processing goes on on the new master.
    const promoted = await group.failover();
    assert.equal(promoted, replicaNode.port);
    assert.equal(await xlen(promoted, 'sw:{t}:h'), 20);
    await until(async () => {
      try {
        // Retried until the new master's replica confirms it; the key keeps a retry from appending twice.
        await bus.ingest.append([{ topic: 't', ts: 100, value: 100 }], { requestKey: 'after-failover' });
        return true;
      } catch {
        return false;
      }
    }, 'an append acknowledged by the new master');
    await until(
      async () => (await xlen(promoted, 'sw:{t}:h')) === 21,
      () => `the new entry published on the new master; processor log:\n${lines.slice(-8).join('\n')}`,
    );
    const values = ((await redisCommand(promoted, ['XRANGE', 'sw:{t}:h', '-', '+'])) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]).value as number);
    assert.deepEqual(values, [...Array.from({ length: 20 }, (_, i) => i), 100], 'every message once, in order');
    await processor.stop();
    await bus.close();
  });
});
