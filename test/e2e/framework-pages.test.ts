/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The demo's React 19 and Vue 3 pages in real Chromium: the elements render
 * inside each framework, follow its reactive bindings, and the React
 * `useTopic` hook shows live data on the page's one socket.
 */
import assert from 'node:assert/strict';
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

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + path);
  return { page, errors };
}

/** The rendered value and label of the page's <rt-metric id="metric">. */
function metric(page: Page): Promise<{ value: string; label: string; topic: string | null }> {
  return page.evaluate(() => {
    const el = document.getElementById('metric')!;
    const text = (part: string) => el.shadowRoot?.querySelector(`[part~="${part}"]`)?.textContent?.trim() ?? '';
    // Both frameworks set `topic` as a property (the element has one), not as an attribute.
    return { value: text('value'), label: text('label'), topic: (el as HTMLElement & { topic: string }).topic };
  });
}

async function waitForMetricValue(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const v = document.getElementById('metric')?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim();
    return Boolean(v && /\d/.test(v));
  }, null, { timeout: 10_000 });
}

async function switchTopic(page: Page): Promise<void> {
  await page.selectOption('#topic', 'cpu.worker');
  await page.waitForFunction(() => (document.getElementById('metric') as (HTMLElement & { topic?: string }) | null)?.topic === 'cpu.worker', null, { timeout: 5000 });
  await page.waitForFunction(() => document.getElementById('metric')?.shadowRoot?.querySelector('[part~="label"]')?.textContent?.includes('worker'), null, { timeout: 5000 });
  await waitForMetricValue(page);
}

async function sockets(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/ws')).length);
}

test('the React 19 page renders the elements from JSX, re-binds them on state changes, and useTopic shows live data', async () => {
  const { page, errors } = await open('/react.html');
  await waitForMetricValue(page);
  assert.equal((await metric(page)).topic, 'cpu.api');
  await page.waitForFunction(() => /\d/.test(document.getElementById('hook-value')?.textContent ?? ''), null, { timeout: 10_000 });
  const first = await page.textContent('#hook-value');
  await page.waitForFunction((f) => document.getElementById('hook-value')?.textContent !== f, first, { timeout: 10_000 });
  assert.equal(await page.getAttribute('.hook', 'data-status'), 'open');
  await switchTopic(page);
  assert.match((await metric(page)).label, /worker/);
  await page.waitForFunction(() => document.querySelector('rt-chart')?.shadowRoot?.querySelector('canvas'), null, { timeout: 10_000 });
  assert.ok((await sockets(page)) <= 1, 'hook and elements share one socket');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Vue 3 page renders the elements from its template, follows v-model, and receives rt-status events', async () => {
  const { page, errors } = await open('/vue.html');
  await waitForMetricValue(page);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'open', null, { timeout: 10_000 });
  await switchTopic(page);
  assert.match((await metric(page)).label, /worker/);
  await page.waitForFunction(() => document.querySelector('rt-chart')?.shadowRoot?.querySelector('canvas'), null, { timeout: 10_000 });
  assert.ok((await sockets(page)) <= 1);
  assert.deepEqual(errors, []);
  await page.close();
});
