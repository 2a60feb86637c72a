/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The product as a person meets it: the demo dashboard and a page on another
 * origin that embeds the widgets with one script tag, in real Chromium.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startApp, type RunningApp } from '../../bin/app.js';
import { launchChromium } from '../support/chromium.js';

let app: RunningApp;
let browser: Browser;
let base: string;

before(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1', demo: true, generator: true });
  base = `http://127.0.0.1:${app.port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** Text of an element's shadow-root part, or null. */
function metricValue(page: Page, topic: string): Promise<string | null> {
  return page.evaluate((t) => {
    const el = document.querySelector(`rt-metric[topic="${t}"]`);
    return el?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim() ?? null;
  }, topic);
}

async function post(event: object): Promise<void> {
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  assert.equal(res.status, 202);
}

test('the demo dashboard renders every widget with live data and no console errors', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  const demoTopics: string[] = await page.$$eval('rt-metric', (els) => els.map((e) => e.getAttribute('topic')!).filter((t) => t !== 'demo.custom'));
  assert.ok(demoTopics.length >= 4, 'several metrics');
  await page.waitForFunction(
    (topics) => topics.every((t) => {
      const v = document.querySelector(`rt-metric[topic="${t}"]`)?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim();
      return v && v !== '—';
    }),
    demoTopics,
    { timeout: 10_000 },
  );
  assert.ok((await page.$$('rt-chart')).length >= 2, 'at least two charts');
  await page.waitForFunction(() => [...document.querySelectorAll('rt-chart')].every((c) => c.shadowRoot?.querySelector('canvas')), null, { timeout: 10_000 });
  await page.waitForFunction(() => (document.querySelector('rt-event-log')?.shadowRoot?.querySelectorAll('[part~="row"]').length ?? 0) > 0, null, { timeout: 10_000 });

  await post({ topic: 'demo.custom', value: 4242 });
  await page.waitForFunction(() => document.querySelector('rt-metric[topic="demo.custom"]')?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.includes('4'), null, { timeout: 5000 });
  assert.match((await metricValue(page, 'demo.custom')) ?? '', /4.?242/);

  const sockets = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/ws')).length);
  assert.ok(sockets <= 1, 'the page opened at most one socket resource');
  if (process.env.RT_SCREENSHOTS) {
    await page.screenshot({ path: `${process.env.RT_SCREENSHOTS}/dashboard-light.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => {
      localStorage.removeItem('rt-theme');
      document.documentElement.removeAttribute('data-theme');
    });
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${process.env.RT_SCREENSHOTS}/dashboard-dark.png`, fullPage: true });
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a page on another origin embeds the widgets with one script tag and no configuration', async () => {
  const html = `<!doctype html><meta charset="utf-8"><title>Someone else's page</title>
    <script type="module" src="${base}/rt.js"></script>
    <p>Orders right now:</p><rt-metric topic="embed.orders" label="Orders"></rt-metric>`;
  const other: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(other.address() as AddressInfo).port}`;
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin + '/');
    await page.waitForFunction(() => customElements.get('rt-metric') !== undefined, null, { timeout: 5000 });
    await page.waitForFunction(() => (document.querySelector('rt-metric') as any)?.shadowRoot?.querySelector('[part~="status"]'), null, { timeout: 5000 });
    await post({ topic: 'embed.orders', value: 17 });
    await page.waitForFunction(() => document.querySelector('rt-metric')?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim() === '17', null, { timeout: 5000 });
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    other.close();
  }
});
