/**
 * Per-tenant values of the limits that were global only: against a real
 * `rt start --config` process, a tenant's `connectionsPerAddress` holds for
 * connections the upgrade binds to it (by origin or `?tenant=`), higher or
 * lower than the global one, which keeps holding for the others; a tenant's
 * `requestTimeout` closes its slow ingest requests with 408 while another
 * tenant's equally slow request, under the global timeout, is accepted.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { ACME_INGEST_KEY, ACME_ORIGIN, GLOBEX_INGEST_KEY, GLOBEX_ORIGIN, upgradeStatus, writeTenantConfig } from '../support/tenant-fixture.js';
import { eventually } from '../support/ws-client.js';

let rt: RtProcess;
let port: number;
let ws: string;

before(async () => {
  port = await freePort();
  const file = writeTenantConfig(
    { limits: { connectionsPerAddress: 2, requestTimeout: '10s' } },
    { acme: { connectionsPerAddress: 3 }, globex: { connectionsPerAddress: 1, requestTimeout: '1s' } },
  );
  rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', file], {});
  ws = `ws://127.0.0.1:${port}/ws`;
});

after(async () => {
  await rt.kill('SIGKILL');
});

function open(address: string, headers: Record<string, string> = {}, url = ws): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(url, { headers, localAddress: address });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => (s.readyState === s.CLOSED ? resolve() : (s.once('close', () => resolve()), s.close())))));
  await eventually(async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).gateway.connections === 0, 5000, 'every connection released');
}

test('a tenant\'s connectionsPerAddress, higher than the global one, holds for its connections; the global one for the rest', async () => {
  const acme = [await open('127.0.0.1', { Origin: ACME_ORIGIN }), await open('127.0.0.1', { Origin: ACME_ORIGIN }), await open('127.0.0.1', { Origin: ACME_ORIGIN })];
  const refused = await upgradeStatus(ws, { Origin: ACME_ORIGIN }, '127.0.0.1');
  assert.equal(refused.status, 429);
  assert.match(refused.body, /at most 3 connections per client address for tenant "acme"/);
  // The address' connections of no tenant (no Origin: a tenant only a token names) count apart, under the global 2.
  const plain = [await open('127.0.0.1'), await open('127.0.0.1')];
  const third = await upgradeStatus(ws, {}, '127.0.0.1');
  assert.equal(third.status, 429);
  assert.match(third.body, /at most 2 connections per client address$/m);
  await closeAll([...acme, ...plain]);
});

test('a tenant\'s connectionsPerAddress lower than the global one refuses its second connection; other addresses go on', async () => {
  const first = await open('127.0.0.1', { Origin: GLOBEX_ORIGIN });
  const refused = await upgradeStatus(ws, { Origin: GLOBEX_ORIGIN }, '127.0.0.1');
  assert.equal(refused.status, 429);
  assert.match(refused.body, /at most 1 connections per client address for tenant "globex"/);
  // `?tenant=` binds at the upgrade just like an origin only one tenant lists.
  const named = await upgradeStatus(`${ws}?tenant=globex`, { Origin: GLOBEX_ORIGIN }, '127.0.0.1');
  assert.equal(named.status, 429);
  const elsewhere = await open('127.0.0.2', { Origin: GLOBEX_ORIGIN });
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /rt_gateway_refusals_total\{[^}]*reason="address_limit"[^}]*tenant="globex"[^}]*\} [1-9]/, 'the refusals are counted for the tenant');
  await closeAll([first, elsewhere]);
});

/** Sends a POST /v1/events whose body arrives in two halves `pauseMs` apart; resolves with the raw answer and whether the server closed. */
function slowPost(key: string, topic: string, pauseMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  const body = JSON.stringify({ topic, value: 1 });
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    const started = Date.now();
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.once('error', reject);
    socket.once('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    socket.once('connect', () => {
      socket.write(`POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
      const rest = setTimeout(() => {
        if (!socket.destroyed) socket.write(body.slice(5));
        // Ask the server to close once it answered, so 'close' marks the end either way.
        setTimeout(() => socket.end(), 500);
      }, pauseMs);
      socket.once('close', () => clearTimeout(rest));
    });
  });
}

test('a tenant\'s requestTimeout answers its slow ingest body with 408 and closes; another tenant under the global timeout is served', async () => {
  const [globex, acme] = await Promise.all([slowPost(GLOBEX_INGEST_KEY, 'globex.slow', 3000), slowPost(ACME_INGEST_KEY, 'acme.slow', 3000)]);
  assert.match(globex.answer, /^HTTP\/1.1 408 /);
  assert.match(globex.answer, /"error":"request_timeout"/);
  assert.ok(globex.closedAfterMs < 2900, `globex's connection closed by the server after ${globex.closedAfterMs} ms, before its body was complete`);
  assert.match(acme.answer, /^HTTP\/1.1 202 /, `acme (global 10 s timeout) is accepted: ${acme.answer.slice(0, 80)}`);
});

test('a tenant\'s requestTimeout leaves its prompt requests alone', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GLOBEX_INGEST_KEY}` }, body: JSON.stringify({ topic: 'globex.fast', value: 1 }) });
  assert.equal(res.status, 202);
  // The timer of a finished request never fires: the connection stays usable past the timeout.
  await new Promise((r) => setTimeout(r, 1300));
  const again = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GLOBEX_INGEST_KEY}` }, body: JSON.stringify({ topic: 'globex.fast', value: 2 }) });
  assert.equal(again.status, 202);
});
