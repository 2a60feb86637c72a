/**
 * What an idle connection costs the gateway: heap bytes per connection with
 * 5 live subscriptions, measured after full garbage collections in a
 * gateway process of its own (clients here), as the difference between
 * 200 and 1 200 connections so one-off costs (code, topics) stay out.
 * A bound, not a timing: issue 9 asks for at most 5 KB of RSS per idle
 * connection; Node, its socket and `ws` take about 3 KB of heap of that
 * (the bare broadcast server in bench/peers), and rt's own state (session,
 * subscriptions, registry) must stay within the rest.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const TOPICS = 200;
const SUBS = 5;
const WARM = 200;
const MEASURED = 1000;
/** Heap per idle connection (bytes) that fails the test; measured about 4 KB with 5 subscriptions. */
const BOUND = 5 * 1024;

/** Opens a connection and subscribes it to 5 topics; resolves once `subscribed` arrived. */
function idleClient(url: string, n: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string };
      if (frame.op === 'hello') {
        const topics = Array.from({ length: SUBS }, (_, k) => ({ topic: `mem.t${(n * SUBS + k) % TOPICS}` }));
        ws.send(JSON.stringify({ op: 'sub', ref: 1, topics }));
      } else if (frame.op === 'subscribed') resolve(ws);
      else if (frame.op === 'error') reject(new Error(String(data)));
    });
  });
}

async function connectMany(url: string, from: number, count: number): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => idleClient(url, from + i + k)))));
  }
  return out;
}

test(`an idle connection with ${SUBS} subscriptions costs the gateway less than ${BOUND} bytes of heap`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-memory-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ limits: { connectionsPerAddress: 5000 } }));
  const server = fork(fileURLToPath(new URL('../support/gateway-memory-server.js', import.meta.url)), [config], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>(): Promise<T> => new Promise((resolve, reject) => {
    server.once('message', (m) => resolve(m as T));
    server.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const clients: WebSocket[] = [];
  try {
    const { port } = await reply<{ port: number }>();
    const url = `ws://127.0.0.1:${port}/ws`;
    clients.push(...(await connectMany(url, 0, WARM)));
    await new Promise((r) => setTimeout(r, 200));
    server.send('heap');
    const before = (await reply<{ heapUsed: number }>()).heapUsed;
    clients.push(...(await connectMany(url, WARM, MEASURED)));
    await new Promise((r) => setTimeout(r, 200));
    server.send('heap');
    const after = (await reply<{ heapUsed: number }>()).heapUsed;
    const perConnection = (after - before) / MEASURED;
    console.log(`heap per idle connection (${SUBS} subscriptions): ${Math.round(perConnection)} B`);
    assert.ok(perConnection < BOUND, `${Math.round(perConnection)} B of heap per idle connection; at most ${BOUND}`);
    assert.ok(perConnection > 500, `${Math.round(perConnection)} B per connection is too little to be a measurement`);
  } finally {
    for (const ws of clients) ws.terminate();
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
