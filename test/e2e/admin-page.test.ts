/// <reference lib="dom" />
/**
 * The operator's /admin page in real Chromium against a real `rt start
 * --config` process with tenants: without the admin token its widgets get
 * nothing; with it they show the gateway's live numbers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { sha256Line, writeTenantConfig } from '../support/tenant-fixture.js';

const ADMIN_TOKEN = 'rta_e2e-admin-token-0123456789abcdef';
let rt: RtProcess;
let browser: Browser;
let base: string;

before(async () => {
  const port = await freePort();
  rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', writeTenantConfig({ admin: { tokens: [sha256Line(ADMIN_TOKEN)] } })], {});
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rt?.kill('SIGKILL');
});

const connections = () => {
  const el = document.querySelector('rt-metric[label="Live connections"]');
  return el?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim() ?? null;
};

test('/admin shows live gateway numbers with rt\'s own widgets once the admin token is given', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/admin`);
  assert.equal(await page.isVisible('#board'), false, 'the board waits for the token');
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('button[type=submit]');
  await page.waitForFunction(connections, null, { timeout: 10_000 }).then(() => undefined);
  await page.waitForFunction(() => {
    const el = document.querySelector('rt-metric[label="Live connections"]');
    const v = Number(el?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim());
    return v >= 1;
  }, null, { timeout: 10_000 });
  assert.ok(await page.$('rt-chart'), 'a chart of the gateway\'s rates');
  // The processor lag: this process' ingest backlog, measured and published each second.
  const lag = await page.waitForFunction(() => {
    const read = (label: string): string | null => document.querySelector(`rt-metric[label="${label}"]`)?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim() || null;
    const entries = read('Processor lag (unprocessed entries)');
    const oldest = read('Oldest unprocessed entry');
    return entries !== null && oldest !== null && /^\d/.test(entries) && /^\d/.test(oldest) ? { entries, oldest } : null;
  }, null, { timeout: 10_000 });
  const shown = (await lag.jsonValue()) as { entries: string; oldest: string };
  assert.equal(Number(shown.entries.replace(/\D/g, '')), 0, `nothing is waiting for the running processor: ${JSON.stringify(shown)}`);
  assert.ok(await page.$('rt-chart[label^="Processor lag"]'), 'a chart of the lag, total and per partition');
  assert.deepEqual(errors, []);
  await page.close();
});

test('/admin with a wrong admin token shows unauthorized, never data', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/admin`);
  await page.fill('#token', 'rta_wrong');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => {
    const el = document.querySelector('rt-metric[label="Live connections"]');
    return el?.shadowRoot?.querySelector('[part~="error"]')?.textContent?.includes('unauthorized') === true;
  }, null, { timeout: 10_000 });
  assert.equal(await page.evaluate(connections), null);
  await page.close();
});
