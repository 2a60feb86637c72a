/**
 * Chaos 3: Redis is SIGKILLed mid-stream and restarted on the same port.
 * With AOF (`appendfsync always`) nothing acknowledged may be lost. Without
 * persistence the acknowledged-but-unprocessed events and the history are
 * gone: every client must be told (a `gap`, or a `reset` once epochs exist),
 * never left to believe it has everything (with epochs: a `reset` per topic).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runScenario, SIZE, sleep } from './support/scenario.js';
import { Stack } from './support/stack.js';

const stacks: Stack[] = [];

/**
 * Redis dies while events are acknowledged but not yet processed: the
 * processor is held (SIGSTOP) for 300 ms first, so there always are some,
 * rather than only when the timing happens to catch them.
 */
async function redisCrash(stack: Stack): Promise<void> {
  const processor = stack.processors[0];
  processor.pause();
  try {
    await sleep(300);
    await stack.redis.kill();
  } finally {
    processor.resume();
  }
  await sleep(SIZE.downMs);
  await stack.redis.restart();
}
after(() => Promise.all(stacks.map((s) => s.stop())));

test('Redis SIGKILL and restart with AOF (appendfsync always): nothing acknowledged is lost', async () => {
  const stack = await Stack.start({ persistence: 'aof' });
  stacks.push(stack);
  const figures = await runScenario({
    name: 'redis-restart-aof',
    stack,
    url: () => stack.gateways[0].wsUrl,
    fault: () => redisCrash(stack),
  });
  assert.equal(figures.told, 0, 'with AOF nothing is even reported missing');
});

test('Redis SIGKILL and restart without persistence: every loss is reported to the client (gap or reset), never silent', async () => {
  const stack = await Stack.start({ persistence: 'none' });
  stacks.push(stack);
  const figures = await runScenario({
    name: 'redis-restart-no-persistence',
    stack,
    url: () => stack.gateways[0].wsUrl,
    fault: () => redisCrash(stack),
  });
  assert.ok(figures.told > 0, 'acknowledged-unprocessed events were lost and reported');
});
