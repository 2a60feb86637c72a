/**
 * SIGHUP with tenants, against a real `rt start`: a new key and a new tenant
 * apply at once without dropping connections; an invalid file is refused
 * and the running one stays; a file that adds tenants to a development-mode
 * process protects ingest and private topics at once.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { ACME_ORIGIN, sha256Line, token, writeTenantConfig } from '../support/tenant-fixture.js';
import { eventually, TestClient } from '../support/ws-client.js';

const running: RtProcess[] = [];
after(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
});

const NEW_SECRET = 'a-key-added-by-reload-at-least-32-bytes!!';

test('SIGHUP applies a new token key and a new tenant without dropping connections; an invalid file is refused', async () => {
  const file = writeTenantConfig();
  const port = await freePort();
  const rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', file], { LOG_LEVEL: 'info' });
  running.push(rt);
  const ws = `ws://127.0.0.1:${port}/ws`;
  const kept = await TestClient.connect(ws, { Origin: ACME_ORIGIN });
  kept.send({ op: 'auth', token: await token() });
  await kept.until(() => kept.frameOf('authed').length === 1);

  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.tenants[0].keys.push({ kid: 'k9', alg: 'HS256', secret: NEW_SECRET });
  config.tenants.push({ id: 'initech', topics: 'initech.', origins: ['https://initech.example'], ingestKeys: [sha256Line('rtk_initech')] });
  writeFileSync(file, JSON.stringify(config));
  rt.child.kill('SIGHUP');
  await eventually(() => rt.output().includes('reloaded'), 5000, 'the reload log line');
  const fresh = await TestClient.connect(ws, { Origin: ACME_ORIGIN });
  fresh.send({ op: 'auth', token: await token({ kid: 'k9', secret: NEW_SECRET }) });
  await fresh.until(() => fresh.frameOf('authed').length === 1, 5000, 'the new key accepted');
  const posted = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer rtk_initech' }, body: JSON.stringify({ topic: 'initech.tps', value: 1 }) });
  assert.equal(posted.status, 202, 'the new tenant\'s ingest key works');
  assert.equal(kept.ws.readyState, kept.ws.OPEN, 'the connection from before the reload is still open');

  writeFileSync(file, JSON.stringify({ tenants: [{ id: 'acme', topics: 'acme', origins: ['*'] }] }));
  rt.child.kill('SIGHUP');
  await eventually(() => /refused on reload.*tenants\[0\]\.topics/.test(rt.output()), 5000, 'the refusal naming the path');
  const still = await TestClient.connect(ws, { Origin: ACME_ORIGIN });
  still.send({ op: 'auth', token: await token({ kid: 'k9', secret: NEW_SECRET }) });
  await still.until(() => still.frameOf('authed').length === 1, 5000, 'the running config kept');
  for (const c of [kept, fresh, still]) c.close();
});

test('SIGHUP that adds tenants to a development-mode process protects ingest and private topics at once', async () => {
  const file = writeTenantConfig();
  const tenants = readFileSync(file, 'utf8');
  writeFileSync(file, JSON.stringify({ rules: [] }));
  const port = await freePort();
  const rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', file], { LOG_LEVEL: 'info' });
  running.push(rt);
  assert.match(rt.output(), /DEV MODE/);
  const post = () => fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ topic: 'acme.x', value: 1 }) });
  assert.equal((await post()).status, 202);
  writeFileSync(file, tenants);
  rt.child.kill('SIGHUP');
  await eventually(() => rt.output().includes('reloaded'), 5000, 'the reload');
  assert.equal((await post()).status, 401);
  const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, { Origin: ACME_ORIGIN });
  c.send({ op: 'sub', topics: [{ topic: 'acme.orders.x' }] });
  assert.equal((await c.closed).code, 4401);
});
