/**
 * The load generator measures what it claims: against a real rt (ingest →
 * processor → gateway in one process) it opens its clients over several
 * worker processes and source addresses, and counts every owed delivery
 * exactly once; bad options are refused with a code naming the flag.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../../bin/app.js';
import { LoadOptionError, parseLoadArgs, resolveOptions } from '../../bench/loadgen/options.js';
import { runLoad } from '../../bench/loadgen/run.js';
import { assignTopics } from '../../bench/loadgen/topic-choice.js';

test('every owed delivery is counted once, over several workers and source addresses, with Zipf topics', async () => {
  const app = await startApp({ port: 0, host: '127.0.0.1' });
  try {
    const result = await runLoad(
      resolveOptions({
        url: `ws://127.0.0.1:${app.port}/ws`,
        clients: 60,
        topics: 8,
        subs: 2,
        distribution: 'zipf',
        rate: 200,
        duration: 1,
        settle: 0.2,
        drain: 10,
        workers: 2,
        sourceAddresses: 3,
        metricsUrl: `http://127.0.0.1:${app.port}/metrics`,
      }),
    );
    assert.equal(result.connected, 60);
    assert.equal(result.subscriptions, 120);
    assert.ok(result.published >= 150, `published ${result.published}`);
    assert.ok(result.expected > result.published, 'several subscribers per topic');
    assert.equal(result.delivered, result.expected, 'nothing missing');
    assert.equal(result.lost, 0);
    assert.equal(result.duplicates, 0);
    assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p99 >= result.latencyMs.p50);
    assert.equal(result.remote?.messagesSent, result.delivered, "the gateway's own count of messages sent agrees");
    assert.equal(result.remote?.connections, 60);
  } finally {
    await app.close();
  }
});

test('Zipf popularity puts the first topic well ahead of the last; uniform spreads evenly', () => {
  const count = (d: 'zipf' | 'uniform'): number[] => {
    const counts = new Array(10).fill(0);
    for (const topics of assignTopics(5000, 10, 1, d, 1, 7)) counts[topics[0]]++;
    return counts;
  };
  const zipf = count('zipf');
  assert.ok(zipf[0] > 5 * zipf[9], `zipf ${zipf}`);
  const uniform = count('uniform');
  assert.ok(Math.max(...uniform) < 1.3 * Math.min(...uniform), `uniform ${uniform}`);
});

test('bad options are refused with LOADGEN_BAD_OPTION, naming the flag', () => {
  const refuses = (argv: string[], flag: RegExp): void =>
    assert.throws(() => parseLoadArgs(argv), (error: unknown) => error instanceof LoadOptionError && error.code === 'LOADGEN_BAD_OPTION' && flag.test(error.message));
  refuses(['--clients', '0'], /--clients/);
  refuses(['--clients', 'many'], /--clients/);
  refuses(['--protocol', 'mqtt'], /--protocol/);
  refuses(['--url', 'http://x/ws'], /--url/);
  refuses(['--topics', '2', '--subs', '3'], /--subs/);
  refuses(['--clients', '40000', '--workers', '1'], /--workers/);
  refuses(['--publish', 'redis'], /--redis-url/);
  refuses(['--bogus', '1'], /bogus/);
});
