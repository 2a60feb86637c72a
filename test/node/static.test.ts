/**
 * The gateway serves the widget bundle to pages on any origin, compressed
 * when the client takes it, and the demo pages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startApp, type RunningApp } from '../../bin/app.js';

let app: RunningApp;
let base: string;
const bundle = readFileSync(new URL('../../rt.js', import.meta.url), 'utf8');
const chunkDir = new URL('../../rt/', import.meta.url);
const chunks = readdirSync(chunkDir).filter((f) => f.endsWith('.js'));

before(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1', demo: true });
  base = `http://127.0.0.1:${app.port}`;
});
after(async () => app.close());

/** GET of a path exactly as written (no URL normalisation), uncompressed. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ hostname: '127.0.0.1', port: app.port!, path, headers: { 'Accept-Encoding': 'identity' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

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

test('rt.js keeps one stable URL and is revalidated on every use (no-cache, with an ETag)', async () => {
  const res = await get('/rt.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(res.headers['cache-control'], 'no-cache');
  assert.ok(res.headers.etag, 'an ETag to revalidate against');
});

test('the element chunks are content-hashed, and rt.js loads chunk code only by relative URL', () => {
  for (const name of ['rt-chart', 'rt-event-log']) {
    assert.ok(chunks.some((f) => new RegExp(`^${name}-[A-Z0-9]{8}\\.js$`).test(f)), `${name} chunk among ${chunks.join(', ')}`);
  }
  // Relative specifiers resolve against the bundle's own URL (import.meta.url), so chunks come from the host that served rt.js.
  const specifiers = [...bundle.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(specifiers.length > 0);
  for (const s of specifiers) assert.match(s, /^\.\/rt\/[A-Za-z0-9_-]+\.js$/, s);
  for (const name of ['rt-chart', 'rt-event-log']) assert.ok(specifiers.some((s) => s.includes(`/${name}-`)), `rt.js imports the ${name} chunk lazily`);
});

test('every chunk is served to any origin (CORS), cached for a year as immutable, Brotli or gzip as the client takes', async () => {
  for (const chunk of chunks) {
    const raw = readFileSync(new URL(chunk, chunkDir));
    const path = `/rt/${chunk}`;
    const cors = await fetch(`${base}${path}`, { headers: { Origin: 'https://someone-else.example' } });
    assert.equal(cors.status, 200, path);
    assert.equal(cors.headers.get('access-control-allow-origin'), '*', path);
    assert.match(cors.headers.get('content-type') ?? '', /^text\/javascript/, path);
    assert.equal(cors.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
    assert.equal(await cors.text(), raw.toString('utf8'), path);
    const br = await get(path, { 'Accept-Encoding': 'br, gzip' });
    const gz = await get(path, { 'Accept-Encoding': 'gzip' });
    const plain = await get(path, { 'Accept-Encoding': 'identity' });
    assert.equal(br.headers['content-encoding'], 'br', path);
    assert.equal(gz.headers['content-encoding'], 'gzip', path);
    assert.equal(plain.headers['content-encoding'], undefined, path);
    assert.equal(plain.bytes, raw.length, path);
    if (raw.length > 2048) assert.ok(br.bytes < raw.length / 2 && gz.bytes < raw.length / 2, `${path}: ${br.bytes} br, ${gz.bytes} gzip of ${raw.length}`);
    for (const res of [br, gz, plain]) assert.equal(res.headers.vary, 'Accept-Encoding', path);
  }
});

test('unknown chunks and paths that try to leave the chunk folder are a 404 with nothing else served', async () => {
  for (const path of ['/rt/rt-chart-OLDBUILD.js', '/rt/..%2Fbin%2Frt.js', '/rt/%2E%2E%2Fpackage.json', '/rt/.hidden.js', '/rt/x.js.br']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /import|export|"name"/, path);
  }
});

test('any other name under /rt/ is a 404 or one of the build\'s chunks, never a server error or another file', async () => {
  const known = new Set(readdirSync(chunkDir));
  const segment = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fpackage.json', 'rt.js', 'chunk.js.gz', ...known),
  );
  await fc.assert(
    fc.asyncProperty(segment, async (name) => {
      // Sent as written: fetch() would resolve "/rt/.." to "/" before asking.
      const res = await rawGet(`/rt/${encodeURIComponent(name)}`);
      const body = res.body;
      if (res.status === 200) {
        assert.ok(known.has(name), `served ${name}`);
        assert.equal(body, readFileSync(new URL(name, chunkDir), 'utf8'));
      } else {
        assert.equal(res.status, 404, `${name}: ${res.status}`);
      }
    }),
    { numRuns: 150 },
  );
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
