/**
 * "202 means kept until processed" with real processes on a real Redis: the
 * processor is SIGKILLed, ingest (its own process) is pushed past its backlog
 * bound and answers 503 with Retry-After, and once a processor runs again
 * every event that got a 202 is published, in order, none twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually } from '../support/ws-client.js';

let redis: TestRedis;
const running: RtProcess[] = [];

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await redis.stop();
});

test('with the processor SIGKILLed, ingest refuses past the bound instead of trimming, and every 202ed event is published once it returns', async () => {
  const env = { REDIS_URL: redis.url, RT_KEY_PREFIX: 'notrim', RT_PARTITIONS: '1', RT_INGEST_MAXLEN: '2000', RT_PROCESSOR_NAME: 'proc-n' };
  const port = await freePort();
  running.push(await startRt('ingest', ['--port', String(port)], env));
  let processor = await startRt('processor', [], env);
  running.push(processor);
  const raw = createClient({ url: redis.url });
  await raw.connect();
  const topic = 'notrim.events';
  const published = async (): Promise<number[]> => {
    const entries = (await raw.sendCommand(['XRANGE', `notrim:{${topic}}:h`, '-', '+'])) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('b') + 1]).value as number);
  };
  try {
    const post = (from: number): Promise<Response> =>
      fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ topic, value: from + i }))),
      });
    assert.equal((await post(0)).status, 202);
    await eventually(async () => (await published()).length === 100, 10_000, 'the processor is running');
    await processor.kill('SIGKILL');

    const accepted: number[] = Array.from({ length: 100 }, (_, i) => i);
    let refused = 0;
    for (let from = 100; from < 5000; from += 100) {
      const res = await post(from);
      if (res.status === 202) {
        for (let i = from; i < from + 100; i++) accepted.push(i);
      } else {
        const text = await res.text();
        assert.equal(res.status, 503, text);
        assert.equal(res.headers.get('retry-after'), '1');
        assert.equal((JSON.parse(text) as { error: string }).error, 'backlog_full');
        refused++;
      }
    }
    assert.ok(refused > 0, 'ingest refused once the backlog passed its bound');
    assert.ok(accepted.length >= 2000 && accepted.length <= 2200, `${accepted.length} accepted around the bound of 2000`);

    processor = await startRt('processor', [], env);
    running.push(processor);
    await eventually(async () => (await published()).length >= accepted.length, 20_000, 'the backlog is published');
    assert.deepEqual(await published(), accepted, 'every accepted event, in order, once');
    await eventually(async () => (await post(10_000)).status === 202, 10_000, 'ingest accepts again once drained');
  } finally {
    await raw.destroy();
  }
});
