/**
 * Chaos 1: the only gateway is SIGKILLed mid-stream and restarted on the
 * same port. Every client reconnects, resumes with `since`, and ends with
 * every acknowledged number exactly once, in order.
 */
import { after, before, test } from 'node:test';
import { runScenario, SIZE, sleep } from './support/scenario.js';
import { Stack } from './support/stack.js';

let stack: Stack;
before(async () => (stack = await Stack.start()));
after(() => stack?.stop());

test('gateway SIGKILL and restart: every acknowledged message arrives once, in order, after resume', async () => {
  const gateway = stack.gateways[0];
  await runScenario({
    name: 'gateway-kill',
    stack,
    url: () => gateway.wsUrl,
    reconnects: true,
    fault: async () => {
      await gateway.kill();
      await sleep(SIZE.downMs);
      await gateway.restart();
    },
  });
});
