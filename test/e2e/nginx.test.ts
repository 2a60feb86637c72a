/**
 * deploy/nginx.conf in front of real processes: two `rt gateway`, one
 * `rt ingest`, one `rt processor` on a real Redis, behind a real nginx that
 * terminates TLS (a self-signed certificate made for the test). A browser-like
 * client with a tenant's origin and token reads over wss:// what a producer
 * posts over https:// with its ingest key; connections spread over both
 * gateways (no sticky sessions); the per-address limit counts the client
 * address nginx saw (the last X-Forwarded-For entry), not nginx's own, and
 * not an address a client claims.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { ACME_INGEST_KEY, ACME_ORIGIN, token, writeTenantConfig } from '../support/tenant-fixture.js';
import { eventually } from '../support/ws-client.js';

const NGINX_CONF = new URL('../../../deploy/nginx.conf', import.meta.url);
let redis: TestRedis;
const running: RtProcess[] = [];
let nginx: ChildProcess;
let httpsPort: number;
const gatewayPorts: number[] = [];

before(async () => {
  redis = await startRedis();
  const config = writeTenantConfig({ limits: { trustForwardedFor: true, connectionsPerAddress: 3 } });
  const env = { REDIS_URL: redis.url, RT_CONFIG: config, RT_DEMO: 'false' };
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    gatewayPorts.push(port);
    running.push(await startRt('gateway', ['--port', String(port)], env));
  }
  const ingestPort = await freePort();
  running.push(await startRt('ingest', ['--port', String(ingestPort)], env));
  running.push(await startRt('processor', [], env).catch(async () => {
    // A processor without a port prints its banner too; startRt waits for it.
    throw new Error('processor did not start');
  }));

  const dir = mkdtempSync(join(tmpdir(), 'rt-nginx-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=rt.example.com'], { stdio: 'ignore' });
  httpsPort = await freePort();
  const httpPort = await freePort();
  // The shipped config, with this test's ports, certificate and upstreams.
  const site = readFileSync(NGINX_CONF, 'utf8')
    .replace(/server 127\.0\.0\.1:9001[^;]*;\s*server 127\.0\.0\.1:9011[^;]*;/, gatewayPorts.map((p) => `server 127.0.0.1:${p};`).join('\n    '))
    .replace(/server 127\.0\.0\.1:9000;\s*server 127\.0\.0\.1:9010;/, `server 127.0.0.1:${ingestPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
    .replace('listen [::]:80;', '')
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`)
    .replace('listen [::]:443 ssl http2;', '')
    .replace('/etc/letsencrypt/live/rt.example.com/fullchain.pem', join(dir, 'cert.pem'))
    .replace('/etc/letsencrypt/live/rt.example.com/privkey.pem', join(dir, 'key.pem'));
  writeFileSync(join(dir, 'rt.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};\n  include ${dir}/rt.conf;\n}\n`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  await eventually(async () => (await httpsGet('/readyz').catch(() => ({ status: 0 }))).status === 200, 10_000, 'nginx to proxy /readyz');
});

after(async () => {
  // SIGTERM, not SIGKILL: a killed master leaves its worker processes running, still listening.
  if (nginx?.pid !== undefined && nginx.exitCode === null && nginx.signalCode === null) {
    const exited = new Promise((resolve) => nginx!.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
  }
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await redis?.stop();
});

function httpsRequest(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, method, path, headers: { Host: 'rt.example.com', ...headers }, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const httpsGet = (path: string) => httpsRequest('GET', path);

function wss(headers: Record<string, string>, localAddress?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, { headers: { Host: 'rt.example.com', ...headers }, rejectUnauthorized: false, localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('through nginx with TLS: a token-holding page reads over wss what a producer posts with its ingest key', async () => {
  const ws = await wss({ Origin: ACME_ORIGIN });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  ws.send(JSON.stringify({ op: 'auth', token: await token() }));
  ws.send(JSON.stringify({ op: 'sub', topics: [{ topic: 'acme.orders.tls' }] }));
  await eventually(() => frames.some((f) => f.op === 'subscribed'), 5000, 'subscribed');
  const posted = await httpsRequest('POST', '/v1/events', JSON.stringify({ topic: 'acme.orders.tls', value: 42 }), { 'Content-Type': 'application/json', Authorization: `Bearer ${ACME_INGEST_KEY}` });
  assert.equal(posted.status, 202, posted.body);
  await eventually(() => frames.some((f) => f.op === 'msgs' && f.msgs.some((m: any) => m.value === 42)), 10_000, 'the message through nginx');
  const refused = await httpsRequest('POST', '/v1/events', JSON.stringify({ topic: 'acme.x', value: 1 }), { 'Content-Type': 'application/json' });
  assert.equal(refused.status, 401);
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
  // The gateway counts the connection until its side has closed too.
  await eventually(async () => (await Promise.all(gatewayPorts.map(async (p) => ((await (await fetch(`http://127.0.0.1:${p}/healthz`)).json()) as { gateway: { connections: number } }).gateway.connections))).every((c) => c === 0), 5000, 'the connection released');
});

test('connections spread over both gateways (no sticky sessions); the per-address limit counts the client nginx saw, and a forged X-Forwarded-For does not help', async () => {
  // The limit is 3 per gateway process: 6 connections from one client address over two gateways.
  const sockets: WebSocket[] = [];
  let refused = 0;
  for (let i = 0; i < 9; i++) {
    try {
      // Each attempt claims another address; nginx appends the real one, which is what counts.
      sockets.push(await wss({ 'X-Forwarded-For': `203.0.113.${i}` }));
    } catch (error) {
      assert.match(String(error), /429/);
      refused++;
    }
  }
  assert.equal(sockets.length, 6, `accepted ${sockets.length}, refused ${refused}`);
  const counts = await Promise.all(gatewayPorts.map(async (p) => ((await (await fetch(`http://127.0.0.1:${p}/healthz`)).json()) as { gateway: { connections: number } }).gateway.connections));
  assert.deepEqual(counts, [3, 3], 'round robin, no stickiness');
  // Another client address (as nginx sees it) has its own allowance.
  sockets.push(await wss({}, '127.0.0.2'));
  for (const s of sockets) s.close();
});
