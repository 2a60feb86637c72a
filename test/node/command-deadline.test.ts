/**
 * Shared queue deadlines for Redis commands (bus/command-deadline.ts): the
 * commands of one slot share one signal, no signal is handed out aborted,
 * and a command node-redis cannot write (its Redis is gone) is rejected at
 * the deadline instead of waiting for the reconnection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import { CommandDeadlines } from '../../bus/command-deadline.js';
import { startRedis } from '../support/redis-server.js';

test('commands of one slot share one signal; a later slot gets a fresh one', () => {
  const deadlines = new CommandDeadlines(60_000, 250);
  const first = deadlines.next(1_000);
  assert.equal(first.timeout, 0, "no per-command timer of node-redis' own");
  assert.equal(deadlines.next(1_249), first, 'same slot, same options');
  const second = deadlines.next(1_250);
  assert.notEqual(second, first, 'a new slot after slotMs');
  assert.equal(first.abortSignal.aborted, false, 'not before the timeout');
});

test("a slot's signal aborts after the timeout, and no aborted signal is handed out", async () => {
  const deadlines = new CommandDeadlines(60, 30);
  const first = deadlines.next();
  const started = Date.now();
  // The deadline's timer is unref'd (it must not keep a process alive): this one does, meanwhile.
  const keep = setInterval(() => {}, 1000);
  await new Promise<void>((resolve) => first.abortSignal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(keep);
  assert.ok(Date.now() - started >= 55, `aborted after ${Date.now() - started} ms, before its timeout`);
  assert.equal(deadlines.next().abortSignal.aborted, false);
});

test('bad settings are refused with a clear error', () => {
  assert.throws(() => new CommandDeadlines(0), /positive timeout and slot \(got 0 ms/);
  assert.throws(() => new CommandDeadlines(100, -1), /positive timeout and slot/);
});

test('a command that cannot be written is rejected at its deadline; one that can is answered', async () => {
  const redis = await startRedis();
  const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  try {
    const deadlines = new CommandDeadlines(200, 50);
    assert.equal(await client.sendCommand(['PING'], deadlines.next()), 'PONG');
    await redis.kill();
    const started = Date.now();
    await assert.rejects(client.sendCommand(['PING'], deadlines.next()), /abort/i);
    const waited = Date.now() - started;
    assert.ok(waited >= 150, `rejected after ${waited} ms, before its deadline`);
  } finally {
    await client.destroy();
    await redis.stop();
  }
});

test('the many commands of one slot raise no MaxListenersExceededWarning', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning.name);
  };
  process.on('warning', onWarning);
  const { abortSignal } = new CommandDeadlines(60_000, 250).next(0);
  for (let i = 0; i < 50; i++) abortSignal.addEventListener('abort', () => {}, { once: true });
  // Warnings are emitted on a later tick.
  await new Promise((r) => setTimeout(r, 20));
  process.off('warning', onWarning);
  assert.deepEqual(warnings, []);
});
