/**
 * "202 means kept until processed", on both engines: with no processor
 * running, ingest accepts until a partition's backlog reaches its bound and
 * then answers 503 with Retry-After for that partition only; once a processor
 * comes, every event that got a 202 is published, none twice, and the
 * partition accepts again.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import { startServices, type RunningApp } from '../../bin/app.js';
import { DEFAULTS } from '../../bin/config.js';
import { Processor } from '../../processor/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/ws-client.js';

const quiet = { info() {}, warn() {}, error() {} };
const BOUND = 300;

/** A pino logger whose lines are kept for inspection. */
function capturingLogger(): { log: Logger; lines: { msg: string; partition?: number }[] } {
  const lines: { msg: string; partition?: number }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

for (const engine of ['memory', 'redis'] as const) {
  describe(`backlog bound on ${engine}`, () => {
    let redis: TestRedis | null = null;
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
    });
    after(async () => redis?.stop());

    test('past the bound a partition gets 503 with Retry-After, others go on, and every 202ed event is published once a processor returns', async () => {
      const { log, lines } = capturingLogger();
      const config = { ...DEFAULTS, port: 0, demo: false, partitions: 4, ingestMaxLen: BOUND, redisUrl: redis?.url ?? null, keyPrefix: `backlog-${engine}` };
      const app: RunningApp = await startServices({ config, roles: ['ingest'], log });
      const base = `http://127.0.0.1:${app.port}`;
      const post = async (topic: string, from: number, count: number): Promise<Response> =>
        fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(Array.from({ length: count }, (_, i) => ({ topic, value: from + i }))),
        });
      const hot = 'backlog.hot';
      const hotPartition = app.bus.ingest.partitionOf(hot);
      let cold = 'backlog.cold';
      for (let i = 0; app.bus.ingest.partitionOf(cold) === hotPartition; i++) cold = `backlog.cold${i}`;
      let processor: Processor | null = null;
      try {
        const accepted: number[] = [];
        let refusals = 0;
        for (let n = 0; n < 20 * 50; n += 50) {
          const res = await post(hot, n, 50);
          if (res.status === 202) {
            for (let i = n; i < n + 50; i++) accepted.push(i);
            continue;
          }
          refusals++;
          assert.equal(res.status, 503);
          assert.equal(res.headers.get('retry-after'), '1');
          const body = (await res.json()) as { error: string; partitions: number[]; topics: string[] };
          assert.equal(body.error, 'backlog_full');
          assert.deepEqual(body.partitions, [hotPartition]);
          assert.deepEqual(body.topics, [hot]);
        }
        assert.equal(accepted.length, BOUND, 'accepted exactly up to the bound');
        assert.equal(refusals, 20 - BOUND / 50);
        assert.equal((await post(cold, 0, 10)).status, 202, 'another partition is not blocked');
        const warnings = lines.filter((l) => l.msg.includes('over its bound'));
        assert.equal(warnings.length, 1, 'the warning is rate-limited');
        assert.equal(warnings[0].partition, hotPartition);
        const metrics = await (await fetch(`${base}/metrics`)).text();
        assert.match(metrics, new RegExp(`rt_ingest_backlog_refused_events_total\\{partition="${hotPartition}"\\} ${refusals * 50}\\n`));
        assert.match(metrics, new RegExp(`rt_ingest_backlog_entries\\{partition="${hotPartition}"\\} ${BOUND}\\n`));

        processor = new Processor({ ingest: app.bus.ingest, coordination: app.bus.coordination, broker: app.bus.broker, state: app.bus.state, log: quiet, blockMs: 20 });
        await processor.start();
        const published = async (): Promise<number[]> => (await app.bus.broker.history(hot, '0-0', 10_000)).entries.map((e) => JSON.parse(e.body).value as number);
        await eventually(async () => (await published()).length >= BOUND, 10_000, 'every accepted event published');
        assert.deepEqual(await published(), accepted, 'all of them, in order, none twice');
        await eventually(async () => (await post(hot, 100_000, 1)).status === 202, 5000, 'the partition accepts again once drained');
        await eventually(async () => (await app.bus.ingest.trimAcknowledged())[hotPartition].entries === 0, 5000, 'processed entries are trimmed');
        assert.ok(lines.some((l) => l.msg.includes('drained below its bound')));
      } finally {
        await processor?.stop();
        await app.close();
      }
    });

    test('an unprocessed partition older than the age bound refuses its events', async () => {
      const config = { ...DEFAULTS, port: 0, demo: false, partitions: 2, ingestMaxAgeMs: 100, redisUrl: redis?.url ?? null, keyPrefix: `age-${engine}`, logLevel: 'silent' };
      const app = await startServices({ config, roles: ['ingest'] });
      try {
        const post = (): Promise<Response> =>
          fetch(`http://127.0.0.1:${app.port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'aged', value: 1 }) });
        assert.equal((await post()).status, 202);
        await eventually(async () => (await post()).status === 503, 5000, 'refused once the oldest entry is over 100 ms old');
      } finally {
        await app.close();
      }
    });
  });
}
