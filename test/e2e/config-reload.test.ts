/**
 * SIGHUP reloads the config file of a running `rt processor`: an invalid
 * file is refused with a log line naming the path of the problem and the
 * running rules stay; a valid one applies to the events after it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RedisBus } from '../../bus/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually } from '../support/ws-client.js';

let redis: TestRedis;
let processor: RtProcess | null = null;

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await processor?.kill('SIGKILL');
  await redis.stop();
});

test('SIGHUP applies a valid config file and refuses an invalid one, keeping the running rules', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rt-reload-')), 'rt.json');
  writeFileSync(file, JSON.stringify({ rules: [{ match: 'in.*', route: 'first.{1}' }] }));
  processor = await startRt('processor', [], { REDIS_URL: redis.url, RT_CONFIG: file, LOG_LEVEL: 'info', RT_KEY_PREFIX: 'reload' });
  const bus = new RedisBus({ url: redis.url, keyPrefix: 'reload' });
  await bus.connect();
  const count = async (topic: string) => (await bus.broker.history(topic, '0-0', 100)).entries.length;
  try {
    await bus.ingest.append([{ topic: 'in.x', ts: 1, value: 1 }]);
    await eventually(async () => (await count('first.x')) === 1, 10_000, 'routed by the first rules');

    writeFileSync(file, JSON.stringify({ rules: [{ match: 'in.*', route: 'second.{2}' }] }));
    processor.child.kill('SIGHUP');
    await eventually(() => processor!.output().includes('refused on reload'), 5000, 'refusal logged');
    assert.match(processor.output(), /rules\[0\]\.route: \{2\} refers to a \\"\*\\" that \\"in\.\*\\" does not have/);
    await bus.ingest.append([{ topic: 'in.x', ts: 2, value: 2 }]);
    await eventually(async () => (await count('first.x')) === 2, 10_000, 'still routed by the first rules');

    writeFileSync(file, JSON.stringify({ rules: [{ match: 'in.*', route: 'second.{1}' }] }));
    processor.child.kill('SIGHUP');
    await eventually(() => processor!.output().includes('reloaded'), 5000, 'reload logged');
    await bus.ingest.append([{ topic: 'in.x', ts: 3, value: 3 }]);
    await eventually(async () => (await count('second.x')) === 1, 10_000, 'routed by the new rules');
    assert.equal(await count('first.x'), 2);
    assert.equal(processor.child.exitCode, null, 'still running');
  } finally {
    await bus.close();
  }
});
