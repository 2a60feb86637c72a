/**
 * Limits against a real `rt start --config` process with small limits:
 * each is hit with its own code (HTTP 503/429 at the upgrade, rate_limited
 * then 4029, ingest 429 with Retry-After, the HTTP header timeout) while
 * other clients go on; a tenant's own frame rate applies from the `auth`
 * that names it.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { ACME_ORIGIN, GLOBEX_INGEST_KEY, GLOBEX_SECRET, token, upgradeStatus, writeTenantConfig } from '../support/tenant-fixture.js';
import { eventually, TestClient } from '../support/ws-client.js';

let rt: RtProcess;
let port: number;
let ws: string;
const open: TestClient[] = [];

before(async () => {
  port = await freePort();
  const file = writeTenantConfig(
    { limits: { instanceConnections: 4, connectionsPerAddress: 2, framesPerSecond: 5, frameBurst: 10, headersTimeout: '1s' } },
    { acme: { connections: 1 }, globex: { ingestPerSecond: 1, ingestBurst: 2, frameBurst: 100 } },
  );
  rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', file], {});
  ws = `ws://127.0.0.1:${port}/ws`;
});

after(async () => {
  for (const c of open) c.close();
  await rt.kill('SIGKILL');
});

function clientFrom(address: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(ws, { headers, localAddress: address });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => (s.readyState === s.CLOSED ? resolve() : (s.once('close', () => resolve()), s.close())))));
}

test('connections per tenant: one more than the limit gets HTTP 429 at the upgrade', async () => {
  const first = await clientFrom('127.0.0.1', { Origin: ACME_ORIGIN });
  const refused = await upgradeStatus(ws, { Origin: ACME_ORIGIN }, '127.0.0.2');
  assert.equal(refused.status, 429);
  assert.match(refused.body, /tenant "acme" is at its connection limit/);
  await closeAll([first]);
  await eventually(async () => (await upgradeStatus(ws, { Origin: ACME_ORIGIN }, '127.0.0.2')).status === 101, 5000, 'the slot freed');
});

test('connections per client address: one more gets HTTP 429; other addresses go on', async () => {
  const a = [await clientFrom('127.0.0.1'), await clientFrom('127.0.0.1')];
  const refused = await upgradeStatus(ws, {}, '127.0.0.1');
  assert.equal(refused.status, 429);
  assert.match(refused.body, /per client address/);
  const other = await clientFrom('127.0.0.2');
  await closeAll([...a, other]);
});

test('connections per instance: one more gets HTTP 503 at the upgrade', async () => {
  const sockets = [await clientFrom('127.0.0.1'), await clientFrom('127.0.0.1'), await clientFrom('127.0.0.2'), await clientFrom('127.0.0.2')];
  const refused = await upgradeStatus(ws, {}, '127.0.0.3');
  assert.equal(refused.status, 503);
  assert.match(refused.body, /connection limit/);
  await closeAll(sockets);
});

test('frames over the rate get rate_limited, then 4029 if they go on; another client is served meanwhile', async () => {
  await eventually(async () => (await upgradeStatus(ws, {}, '127.0.0.3')).status === 101, 5000, 'slots freed');
  const flooder = await TestClient.connect(ws);
  const calm = await TestClient.connect(ws);
  open.push(flooder, calm);
  for (let i = 0; i < 200; i++) flooder.send({ op: 'ping', ref: i });
  const closed = await flooder.closed;
  assert.equal(closed.code, 4029);
  const limited = flooder.frameOf('error').filter((f) => f.code === 'rate_limited');
  assert.equal(limited.length, 1, 'one warning, not one per dropped frame');
  assert.ok(flooder.frameOf('pong').length <= 11, `at most the burst (+1 refilled) answered, got ${flooder.frameOf('pong').length}`);
  calm.send({ op: 'ping', ref: 1 });
  await calm.until(() => calm.frameOf('pong').length === 1);
});

test('ingest requests per key over the rate get 429 with Retry-After', async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GLOBEX_INGEST_KEY}` }, body: JSON.stringify({ topic: 'globex.a', value: i }) });
    statuses.push(res.status);
    if (res.status === 429) {
      retryAfter = res.headers.get('retry-after');
      assert.equal((await res.json()).error, 'rate_limited');
    }
  }
  assert.deepEqual(statuses.slice(0, 2), [202, 202]);
  assert.ok(statuses.includes(429), `statuses ${statuses}`);
  assert.ok(Number(retryAfter) >= 1);
});

test('a client that never finishes its headers is disconnected after the header timeout', async () => {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const started = Date.now();
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const waited = Date.now() - started;
  assert.ok(waited < 5000, `closed after ${waited} ms`);
  assert.match(answer, /^HTTP\/1.1 408/);
});

test('a connection whose tenant only its token names gets that tenant\'s frame rate from its auth on', async () => {
  // Both clients come from 127.0.0.1 (two per address): the earlier tests' clients go first.
  const earlier = open.splice(0);
  for (const c of earlier) c.close();
  await Promise.all(earlier.map((c) => c.closed));
  // Wait for the gateway to have let go of every earlier connection (a probe upgrade would itself hold a slot for a moment).
  await eventually(async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).gateway.connections === 0, 5000, 'every earlier connection released');
  // No Origin: any tenant's token may bind it, so until `auth` the instance's limit (burst 10) holds.
  const anonymous = await TestClient.connect(ws);
  const globex = await TestClient.connect(ws);
  open.push(anonymous, globex);
  globex.send({ op: 'auth', ref: 0, token: await token({ aud: 'globex', kid: 'g1', secret: GLOBEX_SECRET, topics: ['globex.**'] }) });
  await globex.until(() => globex.frameOf('authed').length === 1, 5000, 'authed');
  // 60 frames at once: over the instance's burst of 10, within globex's burst of 100.
  for (let i = 0; i < 60; i++) globex.send({ op: 'ping', ref: i });
  for (let i = 0; i < 60; i++) anonymous.send({ op: 'ping', ref: i });
  await globex.until(() => globex.frameOf('pong').length === 60, 5000, 'every ping of the tenant answered');
  assert.deepEqual(globex.frameOf('error'), [], 'the tenant\'s connection was not rate limited');
  // The same flood without a token still meets the instance's limit.
  assert.equal((await anonymous.closed).code, 4029);
  assert.equal(anonymous.frameOf('error').filter((f) => f.code === 'rate_limited').length, 1);
  globex.close();
});
