/**
 * Chaos 2 and "several gateways behind nginx": gateways behind a real nginx
 * (round-robin, no sticky sessions, config from the same template as a
 * production setup minus TLS). Clients spread over the instances; one
 * instance is SIGKILLed and not restarted; its clients land on the others
 * through nginx and resume with `since` without loss.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ChaosClient } from './support/chaos-client.js';
import { Nginx } from './support/nginx.js';
import { runScenario } from './support/scenario.js';
import { Stack } from './support/stack.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

async function killOneOf(gateways: number, name: string): Promise<void> {
  const stack = await Stack.start({ gateways });
  cleanup.push(() => stack.stop());
  const nginx = await Nginx.start(stack.gateways.map((g) => g.port));
  cleanup.push(() => nginx.stop());
  const [victim, ...survivors] = stack.gateways;
  let onVictim = 0;
  await runScenario({
    name,
    stack,
    url: () => nginx.wsUrl,
    beforeFault: async (clients: ChaosClient[]) => {
      const counts = await Promise.all(stack.gateways.map(async (g) => (await g.gatewayStats())?.connections ?? 0));
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        clients.length,
        `every client is connected through nginx (${counts.join('/')})`,
      );
      for (const [i, n] of counts.entries()) assert.ok(n > 0, `gateway ${i} has clients (spread ${counts.join('/')})`);
      onVictim = counts[0];
    },
    fault: () => victim.kill(),
    inspect: async (clients) => {
      const reconnected = clients.filter((c) => c.connections > 1).length;
      assert.ok(reconnected >= onVictim, `the ${onVictim} clients of the killed gateway reconnected (${reconnected} did)`);
      const held = await Promise.all(survivors.map(async (g) => (await g.gatewayStats())?.connections ?? 0));
      assert.equal(held.reduce((a, b) => a + b, 0), clients.length, `the survivors hold every client (${held.join('/')})`);
    },
  });
}

test('one of two gateways behind nginx SIGKILLed: its clients land on the other and resume without loss', { skip: !Nginx.available() && 'no /usr/sbin/nginx' }, () =>
  killOneOf(2, 'nginx-2-gateways-one-killed'),
);

test('three gateways behind nginx, clients spread over all, one SIGKILLed: its clients land on the others and resume without loss', { skip: !Nginx.available() && 'no /usr/sbin/nginx' }, () =>
  killOneOf(3, 'nginx-3-gateways-one-killed'),
);
