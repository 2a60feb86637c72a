/**
 * The gateway serves the widget bundle to pages on any origin, compressed
 * when the client takes it, and the demo pages.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../../bin/app.js';

let app: RunningApp;
let base: string;
const bundle = readFileSync(new URL('../../rt.js', import.meta.url), 'utf8');

before(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1', demo: true });
  base = `http://127.0.0.1:${app.port}`;
});
after(async () => app.close());

/** GET with raw headers (no automatic decompression). */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes }));
    })
      .on('error', reject)
      .end();
  });
}

test('rt.js is served to any origin (CORS), as a JavaScript module', async () => {
  const res = await fetch(`${base}/rt.js`, { headers: { Origin: 'https://someone-else.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(await res.text(), bundle);
});

test('rt.js is sent Brotli- or gzip-compressed to clients that accept it, and plain to others', async () => {
  const br = await get('/rt.js', { 'Accept-Encoding': 'br, gzip' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(br.bytes < bundle.length / 2, `${br.bytes} bytes`);
  const gz = await get('/rt.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const plain = await get('/rt.js', { 'Accept-Encoding': 'identity' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.bytes, Buffer.byteLength(bundle));
  for (const res of [br, gz, plain]) assert.equal(res.headers.vary, 'Accept-Encoding');
  // fetch decompresses: the content is the bundle itself.
  assert.equal(await (await fetch(`${base}/rt.js`, { headers: { 'Accept-Encoding': 'br' } })).text(), bundle);
});

test('the demo dashboard and the embed page are served; unknown paths are a JSON 404', async () => {
  for (const path of ['/', '/embed.html']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    assert.match(await res.text(), /<script type="module" src="\/rt\.js"><\/script>/);
  }
  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: string }).error, 'not_found');
});

test('a second app on a port already in use fails with EADDRINUSE and leaves nothing running', async () => {
  await assert.rejects(startApp({ port: app.port!, host: '127.0.0.1' }), { code: 'EADDRINUSE' });
});
