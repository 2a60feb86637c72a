/**
 * What an idle connection costs the gateway: heap bytes per connection with
 * 5 live subscriptions, measured after full garbage collections in a
 * gateway process of its own (clients here), as the difference between
 * 200 and 1 200 connections so one-off costs (code, topics) stay out; in
 * development mode, and with tenants for a connection that authenticated.
 * Bounds, not timings: issue 9 asks for at most 5 KB of RSS per idle
 * connection; Node, its socket and `ws` take about 3.3 KB of heap of that
 * (the bare broadcast server in bench/peers), and rt's own state (session,
 * subscriptions, registry, access) must stay within the rest. Measured
 * about 4.0 KB (development) and 4.6 KB (tenants) on 2026-11-30; before
 * that day's work 4.3 and 5.7 KB (the tenant bound fails the old code).
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ACME_ORIGIN, token, writeTenantConfig } from '../support/tenant-fixture.js';

const TOPICS = 200;
const SUBS = 5;
const WARM = 200;
const MEASURED = 1000;
/** Heap per idle connection (bytes) that fails the test; measured about 4.0 KB with 5 subscriptions. */
const BOUND = 4.5 * 1024;
/** The same with tenants: a connection that sent a token also holds its access state (measured about 4.6 KB). */
const TENANT_BOUND = 5 * 1024;

interface ClientSetup {
  /** Topic name prefix (a tenant's namespace). */
  prefix: string;
  /** A token sent in an `auth` frame before the `sub` (tenant mode). */
  token?: string;
  origin?: string;
}

/** Opens a connection and subscribes it to 5 topics; resolves once `subscribed` arrived. */
function idleClient(url: string, n: number, setup: ClientSetup): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, setup.origin ? { origin: setup.origin } : {});
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string };
      if (frame.op === 'hello') {
        if (setup.token) ws.send(JSON.stringify({ op: 'auth', ref: 0, token: setup.token }));
        const topics = Array.from({ length: SUBS }, (_, k) => ({ topic: `${setup.prefix}mem.t${(n * SUBS + k) % TOPICS}` }));
        ws.send(JSON.stringify({ op: 'sub', ref: 1, topics }));
      } else if (frame.op === 'subscribed') resolve(ws);
      else if (frame.op === 'error') reject(new Error(String(data)));
    });
  });
}

async function connectMany(url: string, from: number, count: number, setup: ClientSetup): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => idleClient(url, from + i + k, setup)))));
  }
  return out;
}

/** Heap bytes per idle connection in a gateway of its own started with `config`. */
async function heapPerConnection(config: string, setup: ClientSetup): Promise<number> {
  const server = fork(fileURLToPath(new URL('../support/gateway-memory-server.js', import.meta.url)), [config], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>(): Promise<T> => new Promise((resolve, reject) => {
    server.once('message', (m) => resolve(m as T));
    server.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const clients: WebSocket[] = [];
  try {
    const { port } = await reply<{ port: number }>();
    const url = `ws://127.0.0.1:${port}/ws`;
    clients.push(...(await connectMany(url, 0, WARM, setup)));
    await new Promise((r) => setTimeout(r, 200));
    server.send('heap');
    const before = (await reply<{ heapUsed: number }>()).heapUsed;
    clients.push(...(await connectMany(url, WARM, MEASURED, setup)));
    await new Promise((r) => setTimeout(r, 200));
    server.send('heap');
    const after = (await reply<{ heapUsed: number }>()).heapUsed;
    return (after - before) / MEASURED;
  } finally {
    for (const ws of clients) ws.terminate();
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
  }
}

test(`an idle connection with ${SUBS} subscriptions costs the gateway less than ${BOUND} bytes of heap`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-memory-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ limits: { connectionsPerAddress: 5000 } }));
  try {
    const perConnection = await heapPerConnection(config, { prefix: '' });
    console.log(`heap per idle connection (${SUBS} subscriptions): ${Math.round(perConnection)} B`);
    assert.ok(perConnection < BOUND, `${Math.round(perConnection)} B of heap per idle connection; at most ${BOUND}`);
    assert.ok(perConnection > 500, `${Math.round(perConnection)} B per connection is too little to be a measurement`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`with tenants, an authenticated idle connection with ${SUBS} subscriptions costs less than ${TENANT_BOUND} bytes of heap`, async () => {
  const config = writeTenantConfig({ limits: { connectionsPerAddress: 5000 } }, { acme: { connectionsPerAddress: 5000 } });
  try {
    const perConnection = await heapPerConnection(config, { prefix: 'acme.', token: await token({ ttlSec: 3600 }), origin: ACME_ORIGIN });
    console.log(`heap per idle authenticated tenant connection (${SUBS} subscriptions): ${Math.round(perConnection)} B`);
    assert.ok(perConnection < TENANT_BOUND, `${Math.round(perConnection)} B of heap per idle tenant connection; at most ${TENANT_BOUND}`);
    assert.ok(perConnection > 500, `${Math.round(perConnection)} B per connection is too little to be a measurement`);
  } finally {
    rmSync(dirname(config), { recursive: true, force: true });
  }
});
