/**
 * Chaos 10: WebSockets blocked. A gateway process over Redis refuses every
 * WebSocket upgrade (RT_WEBSOCKET=false, as a proxy that blocks them does).
 * A page in Chromium loading rt.js from it, with no special setting, falls
 * back to Server-Sent Events by itself; the gateway is then SIGKILLed and
 * restarted while the topic moves on, and the page resumes with `since`:
 * every published number once, in order.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { RedisBus } from '../../bus/index.js';
import { launchChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startRt, type RtProcess } from '../support/rt-process.js';

let redis: TestRedis;
let browser: Browser;
before(async () => {
  redis = await startRedis();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await redis?.stop();
});

const TOPIC = 'blocked.seq';

test('with WebSockets blocked a page works over SSE and resumes with since after the gateway restarts', { timeout: 120_000 }, async () => {
  const prefix = `blocked${Date.now().toString(36)}`;
  const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, partitions: 1 });
  await bus.connect();
  const port = await freePort();
  const env = { REDIS_URL: redis.url, RT_KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', RT_WEBSOCKET: 'false', RT_DEMO: 'false' };
  let gateway: RtProcess | null = await startRt('gateway', [], env);
  const base = `http://127.0.0.1:${port}`;
  const page = await browser.newPage();
  const sockets: string[] = [];
  const streams: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('request', (request) => {
    if (request.url().startsWith(`${base}/sse`) && request.method() === 'GET') streams.push(request.url());
  });
  // The page itself, on the gateway's origin; rt.js and everything else come from the real gateway.
  await page.route(`${base}/blocked.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><script type="module">
        import { subscribe } from '/rt.js';
        window.received = [];
        window.statuses = [];
        subscribe(${JSON.stringify(TOPIC)}, {
          snapshot: 1000,
          onMessages: (msgs) => window.received.push(...msgs.map((m) => [m.id, m.value])),
          onStatus: (s) => window.statuses.push(s),
        });
      </script>`,
    }),
  );
  let sent = 0;
  const publish = async (count: number): Promise<void> => {
    const body = Array.from({ length: count }, () => ({ topic: TOPIC, body: { ts: Date.now(), value: ++sent } }));
    await bus.broker.publish(body);
  };
  const received = async (): Promise<[string, number][]> => page.evaluate(() => (window as unknown as { received: [string, number][] }).received);
  const waitFor = async (count: number, what: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while ((await received()).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(await received()).length} of ${count}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let outcome = 'ok';
  let recoveryMs: number | undefined;
  try {
    await publish(5);
    await page.goto(`${base}/blocked.html`);
    await waitFor(5, 'the snapshot over SSE');
    assert.ok(sockets.length >= 1, 'the page tried a WebSocket first');
    assert.ok(streams.length >= 1, 'and fell back to an SSE stream');
    await publish(5);
    await waitFor(10, 'live messages over SSE');

    await gateway.kill('SIGKILL');
    gateway = null;
    await publish(10);
    gateway = await startRt('gateway', [], env);
    const listening = Date.now();
    await waitFor(20, 'the messages published while the gateway was down');
    recoveryMs = Date.now() - listening;
    await publish(5);
    await waitFor(25, 'live messages after the resume');
    await new Promise((r) => setTimeout(r, 300));

    const got = await received();
    assert.deepEqual(got.map(([, value]) => value), Array.from({ length: 25 }, (_, i) => i + 1), 'every number once, in order');
    assert.equal(new Set(got.map(([id]) => id)).size, got.length, 'no id twice');
    assert.ok(streams.length >= 2, 'a new stream after the restart');
  } catch (error) {
    outcome = `fails: ${(error as Error).message.split('\n')[0].slice(0, 160)}`;
    throw error;
  } finally {
    const file = process.env.RT_CHAOS_RESULTS;
    const got = await received().catch(() => []);
    if (file) {
      const distinct = new Set(got.map(([, v]) => v)).size;
      appendFileSync(file, JSON.stringify({ scenario: 'websocket-blocked', clients: 1, sent, acknowledged: sent, received: distinct, owed: sent, lost: sent - distinct, duplicated: got.length - distinct, outOfOrder: 0, told: 0, gaps: 0, resets: 0, examples: [], outcome, recoveryMs, peakGatewayRssMiB: 0 }) + '\n');
    }
    await page.close();
    await gateway?.kill('SIGKILL');
    await bus.close();
  }
});
