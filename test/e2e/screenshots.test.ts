/// <reference lib="dom" />
/**
 * Screenshots of the demo dashboard and the embed article, light and dark,
 * compared with the baselines in test/screenshots/ pixel by pixel
 * (pixelmatch, tolerant of anti-aliasing, a small share of differing pixels
 * allowed). Deterministic: the page's clock stands still at a fixed time
 * (time zone UTC, locale en-US), no generator runs, and the test posts the
 * same events, inside the charts' window of that time, once the page is
 * connected.
 *
 *   RT_UPDATE_SCREENSHOTS=1 npm run test:e2e    rewrite the baselines
 *
 * On a mismatch the actual image and a diff image are written to
 * dist/screenshots/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { startApp, type RunningApp } from '../../bin/app.js';
import { DEMO_METRIC_TOPICS } from '../../demo/generator.js';
import { launchChromium } from '../support/chromium.js';

const BASELINES = fileURLToPath(new URL('../../../test/screenshots/', import.meta.url));
const FAILURES = fileURLToPath(new URL('../../screenshots/', import.meta.url));
/** The page's frozen "now": 15 January 2026, 12:00 UTC. */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
/** Share of pixels allowed to differ beyond pixelmatch's anti-aliasing tolerance. */
const MAX_DIFF_SHARE = 0.002;

let app: RunningApp;
let browser: Browser;
let base: string;

before(async () => {
  app = await startApp({ port: 0, host: '127.0.0.1', demo: true, generator: false });
  base = `http://127.0.0.1:${app.port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** Two minutes of every demo metric, one point each 4 s, and a few log lines: the same every run. */
function fixedEvents(): object[] {
  const events: object[] = [];
  DEMO_METRIC_TOPICS.forEach((topic, k) => {
    for (let i = 0; i < 30; i += 1) {
      const value = Math.round((40 + 10 * k + 12 * Math.sin(i / 4 + k)) * 10) / 10;
      events.push({ topic, ts: NOW - (29 - i) * 4000, value });
    }
  });
  const levels = ['info', 'info', 'warn', 'info', 'error', 'info'];
  levels.forEach((level, i) => {
    events.push({ topic: 'log.api', ts: NOW - (levels.length - i) * 7000, data: { level, service: 'api', msg: `GET /v1/orders/${1000 + i} ${level === 'error' ? 500 : 200}` } });
  });
  return events;
}

async function post(events: object[]): Promise<void> {
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  assert.equal(res.status, 202, await res.text());
}

/** Opens `path` in `scheme`, waits until its widgets are connected, feeds them, waits until they have drawn. */
async function render(path: string, scheme: 'light' | 'dark', size: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport: size, colorScheme: scheme, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.clock.setFixedTime(NOW);
  await page.goto(base + path);
  // Every widget but the "send your own event" card's, which is below the fold and subscribes only when scrolled to.
  await page.waitForFunction((skip) => {
    const widgets = [...document.querySelectorAll('rt-metric, rt-chart, rt-event-log')].filter((w) => w.getAttribute('topic') !== skip);
    return widgets.length > 0 && widgets.every((w) => w.shadowRoot?.querySelector('[part~="status"]')?.getAttribute('data-status') === 'open');
  }, 'demo.custom', { timeout: 10_000 });
  await post(fixedEvents());
  await page.waitForFunction((skip) => {
    const metricsDrawn = [...document.querySelectorAll('rt-metric')].filter((m) => m.getAttribute('topic') !== skip)
      .every((m) => /\d/.test(m.shadowRoot?.querySelector('[part~="value"]')?.textContent ?? ''));
    const chartsDrawn = [...document.querySelectorAll('rt-chart')].every((c) => c.shadowRoot?.querySelector('canvas') && !/no data yet/.test(c.shadowRoot.textContent ?? ''));
    const log = document.querySelector('rt-event-log');
    const logDrawn = !log || (log.shadowRoot?.querySelectorAll('[part~="row"]').length ?? 0) >= 6;
    return metricsDrawn && chartsDrawn && logDrawn;
  }, 'demo.custom', { timeout: 10_000 });
  // Let the last frame paint (the charts draw on animation frames).
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForTimeout(300);
  return page;
}

/** Compares a screenshot with its baseline, or writes the baseline when asked to. */
function compare(name: string, actual: Buffer): void {
  const baselinePath = `${BASELINES}${name}.png`;
  if (process.env.RT_UPDATE_SCREENSHOTS) {
    mkdirSync(BASELINES, { recursive: true });
    writeFileSync(baselinePath, actual);
    return;
  }
  assert.ok(existsSync(baselinePath), `no baseline ${baselinePath}: run with RT_UPDATE_SCREENSHOTS=1 and commit it`);
  const expected = PNG.sync.read(readFileSync(baselinePath));
  const got = PNG.sync.read(actual);
  assert.deepEqual([got.width, got.height], [expected.width, expected.height], `${name}: size changed`);
  const diff = new PNG({ width: got.width, height: got.height });
  const differing = pixelmatch(expected.data, got.data, diff.data, got.width, got.height, { threshold: 0.15 });
  const share = differing / (got.width * got.height);
  if (share > MAX_DIFF_SHARE) {
    mkdirSync(FAILURES, { recursive: true });
    writeFileSync(`${FAILURES}${name}.actual.png`, actual);
    writeFileSync(`${FAILURES}${name}.diff.png`, PNG.sync.write(diff));
  }
  assert.ok(share <= MAX_DIFF_SHARE, `${name}: ${differing} pixels (${(share * 100).toFixed(2)} %) differ from the baseline; see dist/screenshots/${name}.diff.png`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the demo dashboard in ${scheme} looks like its baseline`, async () => {
    const page = await render('/', scheme, { width: 1200, height: 900 });
    compare(`dashboard-${scheme}`, await page.screenshot());
    await page.context().close();
  });

  test(`the embed article in ${scheme} looks like its baseline`, async () => {
    const page = await render('/embed.html', scheme, { width: 900, height: 1100 });
    compare(`embed-${scheme}`, await page.screenshot());
    await page.context().close();
  });
}
