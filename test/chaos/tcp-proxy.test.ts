/**
 * Chaos 5: the network between clients and the gateway fails. First a TCP
 * proxy drops every connection (the clients see it at once); then it
 * blackholes them (nothing arrives, nothing closes): each client must notice
 * the silence with its application ping, reconnect once the path heals, and
 * resume without loss.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScenario, SIZE, sleep } from './support/scenario.js';
import { Stack } from './support/stack.js';
import { TcpProxy } from './support/tcp-proxy.js';

let stack: Stack;
let proxy: TcpProxy;
before(async () => {
  stack = await Stack.start();
  proxy = await TcpProxy.start(stack.gateways[0].port);
});
after(async () => {
  await proxy?.close();
  await stack?.stop();
});

test('the proxy drops every connection: clients reconnect and resume without loss', async () => {
  await runScenario({
    name: 'proxy-drop',
    stack,
    url: () => proxy.wsUrl,
    reconnects: true,
    fault: async () => proxy.dropAll(),
  });
});

test('the proxy blackholes every connection: clients detect the silence, reconnect once it heals, and resume without loss', async () => {
  let before: number[] = [];
  await runScenario({
    name: 'proxy-blackhole',
    stack,
    url: () => proxy.wsUrl,
    reconnects: true,
    pingMs: 250,
    silenceMs: 1500,
    beforeFault: async (clients) => void (before = clients.map((c) => c.silentDrops)),
    fault: async () => {
      proxy.blackhole();
      await sleep(Math.max(2500, SIZE.downMs)); // longer than silenceMs: the clients must notice on their own
      proxy.heal();
    },
    inspect: (clients) => {
      const noticed = clients.filter((c, i) => c.silentDrops > before[i]).length;
      assert.equal(noticed, clients.length, 'every client noticed its silent connection');
    },
  });
});
