/**
 * Measures the user-visible latency of the whole path: a page POSTs a value
 * to ingest and times how long until its <rt-metric> shows it (DOM updated,
 * painted in that frame). Runs `rt start` (memory bus) or `rt start` on a
 * redis-server it starts itself (--redis), in a separate process, and
 * Debian's Chromium through playwright-core.
 *
 *   npm run bench:latency                 # memory bus
 *   npm run bench:latency -- --redis      # on a real Redis
 *
 * Prints one JSON line per run and a table of medians over runs.
 */
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/support/chromium.js';
import { freePort } from '../test/support/free-port.js';
import { startRedis, type TestRedis } from '../test/support/redis-server.js';
import { startRt } from '../test/support/rt-process.js';

const { values } = parseArgs({
  options: { redis: { type: 'boolean', default: false }, runs: { type: 'string', default: '5' }, samples: { type: 'string', default: '100' } },
});
const runs = Number(values.runs);
const samples = Number(values.samples);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The page under test: one <rt-metric>, and a MutationObserver that reports
 * each text it shows with a wall-clock timestamp (performance.timeOrigin +
 * now(), comparable with Node's on the same machine). It is served from its
 * own loopback server: a page injected by the browser driver counts as a
 * public origin, and Chromium's Local Network Access checks would block its
 * socket to 127.0.0.1.
 */
const page = (gateway: string): string => `<!doctype html><meta charset="utf-8">
<script type="module" src="${gateway}/rt.js"></script>
<rt-metric topic="bench.latency" decimals="0"></rt-metric>
<script type="module">
  await customElements.whenDefined('rt-metric');
  const el = document.querySelector('rt-metric');
  await el.updateComplete;
  new MutationObserver(() => {
    const text = el.shadowRoot.querySelector('[part~="value"]')?.textContent?.trim();
    window.seen(text, performance.timeOrigin + performance.now());
  }).observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
  window.ready = true;
</script>`;

async function main(): Promise<void> {
  let redis: TestRedis | null = null;
  if (values.redis) redis = await startRedis();
  const port = await freePort();
  const rt = await startRt('start', ['--port', String(port), '--no-demo'], redis ? { REDIS_URL: redis.url } : {});
  const browser = await launchChromium();
  let server: Server | null = null;
  const results: { p50: number; p95: number; p99: number; max: number }[] = [];
  try {
    const gateway = `http://127.0.0.1:${port}`;
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page(gateway)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const tab = await browser.newPage({ locale: 'en-US' });
    tab.on('pageerror', (e) => console.error('page error:', e.message));
    const waiting = new Map<string, (t: number) => void>();
    await tab.exposeFunction('seen', (text: string, t: number) => waiting.get(text)?.(t));
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const measure = async (value: number): Promise<number> => {
      const shown = new Promise<number>((resolve) => waiting.set(format.format(value), resolve));
      const start = performance.timeOrigin + performance.now();
      const res = await fetch(`${gateway}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'bench.latency', value }) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
      const t = await shown;
      waiting.delete(format.format(value));
      return t - start;
    };
    let value = 1;
    await measure(value++); // warm-up: socket open, first snapshot
    for (let run = 0; run < runs; run++) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        times.push(await measure(value++));
        await new Promise((r) => setTimeout(r, 20));
      }
      times.sort((a, b) => a - b);
      const r = { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times[times.length - 1] };
      results.push(r);
      console.log(JSON.stringify({ bench: 'post-to-paint', bus: redis ? 'redis' : 'memory', run, samples, ...r }));
    }
  } finally {
    await browser.close();
    server?.close();
    await rt.kill('SIGTERM');
    await redis?.stop();
  }
  const row = (k: 'p50' | 'p95' | 'p99' | 'max'): string => median(results.map((r) => r[k])).toFixed(1).padStart(8);
  console.log(`\nPOST → <rt-metric> shows it, ${redis ? 'Redis' : 'memory'} bus, median of ${runs} runs × ${samples} samples (ms)`);
  console.log('     p50      p95      p99      max');
  console.log(`${row('p50')} ${row('p95')} ${row('p99')} ${row('max')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
