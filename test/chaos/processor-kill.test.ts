/**
 * Chaos 4: one of two processors is SIGKILLed mid-stream (not restarted);
 * the other takes over its partitions once the lease lapses and nothing
 * acknowledged is lost or published twice.
 */
import { after, before, test } from 'node:test';
import { runScenario } from './support/scenario.js';
import { Stack } from './support/stack.js';

let stack: Stack;
before(async () => (stack = await Stack.start({ processors: 2 })));
after(() => stack?.stop());

test('processor SIGKILL with a second one running: every acknowledged message arrives once, in order', async () => {
  await runScenario({
    name: 'processor-kill',
    stack,
    url: () => stack.gateways[0].wsUrl,
    fault: () => stack.processors[0].kill(),
  });
});
