/**
 * Development mode (`rt start`, no config file) keeps the connection limits
 * that protect the process, with their defaults: 200 connections per client
 * address (the demo's pages use one socket per tab, far below it), the next
 * one refused with HTTP 429 while other addresses go on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { upgradeStatus } from '../support/tenant-fixture.js';

let rt: RtProcess;
let ws: string;

before(async () => {
  const port = await freePort();
  rt = await startRt('start', ['--port', String(port), '--no-demo'], {});
  ws = `ws://127.0.0.1:${port}/ws`;
});

after(async () => {
  await rt.kill('SIGKILL');
});

function open(address: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(ws, { localAddress: address });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}

test('without a config, one client address may hold the default 200 connections and no more', async () => {
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < 200; i += 20) sockets.push(...(await Promise.all(Array.from({ length: 20 }, () => open('127.0.0.1')))));
    assert.equal(sockets.length, 200);
    const refused = await upgradeStatus(ws, {}, '127.0.0.1');
    assert.equal(refused.status, 429);
    assert.match(refused.body, /at most 200 connections per client address/);
    assert.equal((await upgradeStatus(ws, {}, '127.0.0.2')).status, 101, 'another address goes on');
  } finally {
    for (const s of sockets) s.terminate();
  }
});
