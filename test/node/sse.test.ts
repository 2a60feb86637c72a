/**
 * The SSE fallback transport over real HTTP: the same frames as the
 * WebSocket, subscriptions as POSTs tied to an unguessable stream id, POST
 * bodies validated like WebSocket frames, the origin allowlist with CORS,
 * the slow-consumer bound, and a gateway with WebSockets switched off.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { Config } from '../../bin/config.js';
import { MAX_CLIENT_FRAME_BYTES, parseSpreadReason } from '../../protocol/index.js';
import { SseTestClient } from '../support/sse-client.js';

describe('the SSE fallback transport', () => {
  const apps: RunningApp[] = [];
  const clients: SseTestClient[] = [];
  const start = async (config: Partial<Config> = {}): Promise<{ app: RunningApp; base: string }> => {
    const app = await startApp({ port: 0, host: '127.0.0.1', ...config });
    apps.push(app);
    return { app, base: `http://127.0.0.1:${app.port}` };
  };
  const open = async (base: string, origin?: string): Promise<SseTestClient> => {
    const c = await SseTestClient.open(base, origin);
    clients.push(c);
    return c;
  };
  const publish = async (app: RunningApp, topic: string, values: number[], data?: string): Promise<string[]> =>
    (await app.bus.broker.publish(values.map((v) => ({ topic, body: data ? { ts: v, data: { n: v, pad: data } } : { ts: v, value: v } })))) as string[];

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(apps.map((a) => a.close()));
  });

  test('a stream starts with an unguessable id and the same hello as a WebSocket', async () => {
    const { base } = await start();
    const a = await open(base);
    const b = await open(base);
    assert.match(a.id, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(a.id, b.id);
    assert.equal(a.frames[0].op, 'hello');
  });

  test('a sub POSTed to the stream gets its snapshot, then live messages, in the WebSocket frames', async () => {
    const { app, base } = await start();
    await publish(app, 'm', [1, 2, 3]);
    const c = await open(base);
    const response = await c.post({ op: 'sub', ref: 7, topics: [{ topic: 'm' }] });
    assert.equal(response.status, 204);
    await c.until(() => c.of('m').length === 1);
    const subscribed = c.frameOf('subscribed')[0];
    assert.deepEqual([subscribed.topics, subscribed.ref], [['m'], 7]);
    assert.equal(c.of('m')[0].value, 3);
    await publish(app, 'm', [4, 5]);
    await c.until(() => c.of('m').length === 3);
    assert.deepEqual(c.of('m').map((m) => m.value), [3, 4, 5]);
    assert.equal((await c.post({ op: 'ping', ref: 9 })).status, 204);
    await c.until(() => c.frameOf('pong').length === 1);
  });

  test('a new stream that subscribes since an id receives each missed message once', async () => {
    const { app, base } = await start();
    const ids = await publish(app, 't', [1, 2, 3, 4, 5]);
    const first = await open(base);
    await first.post({ op: 'sub', topics: [{ topic: 't', snapshot: 2 }] });
    await first.until(() => first.of('t').length === 2);
    first.close();
    await first.ended;
    await publish(app, 't', [6, 7]);
    const second = await open(base);
    await second.post({ op: 'sub', topics: [{ topic: 't', since: ids[4] }] });
    await second.until(() => second.of('t').length === 2);
    assert.deepEqual(second.of('t').map((m) => m.value), [6, 7]);
  });

  test('a bad POST body gets the same error frame a WebSocket frame would, on the stream', async () => {
    const { base } = await start();
    const c = await open(base);
    assert.equal((await c.post('{not json')).status, 204);
    assert.equal((await c.post({ op: 'nope' })).status, 204);
    assert.equal((await c.post({ op: 'sub', ref: 3, topics: [{ topic: 'bad topic!' }] })).status, 204);
    await c.until(() => c.frameOf('error').length === 3);
    assert.deepEqual(c.frameOf('error').map((e) => e.code), ['bad_json', 'unknown_op', 'bad_topic']);
    // The stream is unharmed.
    await c.post({ op: 'ping' });
    await c.until(() => c.frameOf('pong').length === 1);
  });

  test('generated POST bodies never break the stream: each gets at most one error frame', async () => {
    const { base } = await start();
    const c = await open(base);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.constant('{"op":"sub","topics":[]}')), async (body) => {
        const response = await c.post(body);
        assert.equal(response.status, 204);
        sent++;
      }),
      // Under the frame-rate burst (50), which applies to POSTs as to WebSocket frames.
      { numRuns: 40 },
    );
    await c.post({ op: 'ping', ref: 1 });
    await c.until(() => c.frameOf('pong').some((p) => p.ref === 1));
    assert.ok(c.frameOf('error').length <= sent);
  });

  test('POSTs past the frame-rate limit get rate_limited on the stream, then a close with 4029, as on WebSocket', async () => {
    const { base } = await start();
    const c = await open(base);
    // Twenty POSTs at a time: one after another, a loaded machine can POST
    // slower than the bucket refills, and the close never comes.
    const deadline = Date.now() + 20_000;
    while (!c.closeEvent && Date.now() < deadline) await Promise.all(Array.from({ length: 20 }, () => c.post({ op: 'ping' })));
    assert.ok(c.closeEvent, 'closed while flooding');
    await c.ended;
    assert.ok(c.frameOf('error').some((e) => e.code === 'rate_limited'), 'told it is rate limited');
    assert.equal(c.closeEvent?.code, 4029);
  });

  test('POSTs to an unknown or ended stream get 404 unknown_stream', async () => {
    const { base } = await start();
    const c = await open(base);
    for (const id of ['A'.repeat(24), 'short', 'a%2F..%2Fb', c.id.slice(0, -1) + (c.id.endsWith('A') ? 'B' : 'A')]) {
      const response = await c.post({ op: 'ping' }, 'text/plain', id);
      assert.equal(response.status, 404, id);
      assert.equal((await response.json()).error, 'unknown_stream');
    }
    c.close();
    await c.ended;
    // The gateway notices the client left and forgets the id.
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline && (status = (await c.post({ op: 'ping' })).status) !== 404) await new Promise((r) => setTimeout(r, 20));
    assert.equal(status, 404);
  });

  test('an oversized POST gets 413 too_large and a wrong content type 415; the stream is untouched', async () => {
    const { base } = await start();
    const c = await open(base);
    const big = JSON.stringify({ op: 'ping', pad: 'x'.repeat(MAX_CLIENT_FRAME_BYTES) });
    const tooLarge = await c.post(big);
    assert.equal(tooLarge.status, 413);
    assert.equal((await tooLarge.json()).error, 'too_large');
    const wrongType = await c.post({ op: 'ping' }, 'application/x-www-form-urlencoded');
    assert.equal(wrongType.status, 415);
    assert.equal((await wrongType.json()).error, 'unsupported_media_type');
    assert.equal((await fetch(`${base}/sse`, { method: 'PUT' })).status, 405);
    await c.post({ op: 'ping', ref: 2 });
    await c.until(() => c.frameOf('pong').length === 1);
    assert.equal(c.frameOf('error').length, 0);
  });

  test('the origin allowlist admits the stream like a WebSocket; POSTs must come from the stream\'s origin, with CORS for it', async () => {
    const { base } = await start({ allowedOrigins: ['https://ok.example'] });
    const refused = await fetch(`${base}/sse`, { headers: { origin: 'https://evil.example' } });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error, 'origin');
    const c = await open(base, 'https://ok.example');
    const preflight = await fetch(`${base}/sse/${c.id}`, { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://ok.example');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const ok = await c.post({ op: 'ping' });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://ok.example');
    const hijack = await fetch(`${base}/sse/${c.id}`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: '{"op":"sub","topics":[{"topic":"x"}]}' });
    assert.equal(hijack.status, 403);
    assert.equal((await hijack.json()).error, 'origin_mismatch');
    // A stream opened without an Origin (a same-origin EventSource) takes POSTs from the gateway's own origin only.
    const plain = await open(base);
    assert.equal((await plain.post({ op: 'ping' }, 'text/plain', plain.id)).status, 204);
    const own = await fetch(`${base}/sse/${plain.id}`, { method: 'POST', headers: { origin: base, 'content-type': 'text/plain' }, body: '{"op":"ping"}' });
    assert.equal(own.status, 204);
    const foreign = await fetch(`${base}/sse/${plain.id}`, { method: 'POST', headers: { origin: 'https://ok.example', 'content-type': 'text/plain' }, body: '{"op":"ping"}' });
    assert.equal(foreign.status, 403);
    // Another allowed origin is still not the stream's.
    const other = await fetch(`${base}/sse/${c.id}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"op":"ping"}' });
    assert.equal(other.status, 403);
    await c.until(() => c.frameOf('pong').length === 1);
    assert.equal(c.frameOf('subscribed').length, 0);
  });

  test('a stream whose client reads nothing is closed as a slow consumer (4008) after the stall timeout, like a WebSocket', async () => {
    // Only a client that accepts no byte for the stall timeout is closed (see docs/protocol.md, Slow consumers).
    const { app, base } = await start({ maxBufferedBytes: 256 * 1024, stallTimeoutMs: 1000 });
    const pad = 'x'.repeat(8000);
    const controller = new AbortController();
    // A raw reader that never reads past the first chunk.
    const response = await fetch(`${base}/sse`, { signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (!/event: stream\ndata: (\S+)\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const id = /event: stream\ndata: (\S+)\n\n/.exec(text)![1];
    await fetch(`${base}/sse/${id}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"op":"sub","topics":[{"topic":"big","snapshot":0}]}' });
    await new Promise((r) => setTimeout(r, 100));
    const deadline = Date.now() + 10_000;
    let closes = 0;
    while (Date.now() < deadline) {
      await publish(app, 'big', Array.from({ length: 50 }, (_, i) => i), pad);
      await new Promise((r) => setTimeout(r, 20));
      closes = (await (await fetch(`${base}/healthz`)).json()).gateway.slowConsumerCloses;
      if (closes > 0) break;
    }
    controller.abort();
    assert.equal(closes, 1);
  });

  test('a gateway shutting down ends each stream with 1001 and the reconnect spread window', async () => {
    const { app, base } = await start({ reconnectSpreadMs: 1234 });
    const c = await open(base);
    await app.close();
    await c.ended;
    assert.equal(c.closeEvent?.code, 1001);
    assert.equal(parseSpreadReason(c.closeEvent?.reason), 1234);
  });

  test('with WebSockets switched off the upgrade is refused and SSE still serves', async () => {
    const { app, base } = await start({ webSocket: false });
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/ws`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (req, res) => {
        resolve(`refused ${res.statusCode}`);
        req.destroy();
      });
      ws.once('error', () => resolve('error'));
    });
    assert.equal(outcome, 'refused 403');
    const c = await open(base);
    await c.post({ op: 'ping' });
    await c.until(() => c.frameOf('pong').length === 1);
  });
});
