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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('commands of one slot share one signal; it aborts after the timeout, and later commands get a fresh one', async () => {
  const deadlines = new CommandDeadlines(60, 30);
  const first = deadlines.next();
  assert.equal(first.timeout, 0, "no per-command timer of node-redis' own");
  assert.equal(deadlines.next(), first, 'same slot, same options');
  await sleep(40);
  const second = deadlines.next();
  assert.notEqual(second, first, 'a new slot after slotMs');
  assert.equal(first.abortSignal.aborted, false, 'not before the timeout');
  // The deadline's timer is unref'd (it must not keep a process alive): this one does, meanwhile.
  const keep = setInterval(() => {}, 1000);
  await new Promise<void>((resolve) => first.abortSignal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(keep);
  assert.equal(deadlines.next().abortSignal.aborted, false, 'a signal handed out is never aborted yet');
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
