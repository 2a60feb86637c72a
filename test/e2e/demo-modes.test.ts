/// <reference lib="dom" />
/**
 * The demo page tells the truth in every mode: its "send your own event"
 * command posts to ingest (this server in `rt start`, RT_INGEST_URL or a
 * placeholder behind a gateway-only process), and it shows "Live" only while
 * data arrives.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServices, type RunningApp } from '../../bin/app.js';
import { DEFAULTS, type Config } from '../../bin/config.js';
import { launchChromium } from '../support/chromium.js';

let browser: Browser;
const apps: RunningApp[] = [];

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await Promise.all(apps.map((a) => a.close()));
});

async function start(roles: ('ingest' | 'processor' | 'gateway')[], generator: boolean, extra: Partial<Config> = {}): Promise<string> {
  const config: Config = { ...DEFAULTS, port: 0, host: '127.0.0.1', logLevel: 'silent', demo: true, ...extra };
  const app = await startServices({ config, roles, generator });
  apps.push(app);
  return `http://127.0.0.1:${app.port}`;
}

async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

const badge = (page: Page) => page.evaluate(() => document.querySelector('#status .label')?.textContent);
const curl = (page: Page) => page.textContent('#curl');

test('with a producer running the badge says Live and the command posts to this server', async () => {
  const base = await start(['ingest', 'processor', 'gateway'], true);
  const page = await open(base + '/');
  await page.waitForFunction(() => document.querySelector('#status .label')?.textContent === 'Live', null, { timeout: 10_000 });
  assert.equal(await page.isHidden('#no-producer'), true);
  assert.match((await curl(page)) ?? '', new RegExp(`^curl -X POST ${base.replace('http://', '')}/v1/events`));
  await page.close();
});

test('with no producer the badge says so instead of Live, and the page explains why the charts do not move', async () => {
  const base = await start(['ingest', 'processor', 'gateway'], false);
  const page = await open(base + '/');
  await page.waitForFunction(() => document.querySelector('#status .label')?.textContent === 'Connected · no data', null, { timeout: 10_000 });
  assert.equal(await page.isVisible('#no-producer'), true);
  // Data arriving turns it live.
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'cpu.api', value: 12 }) });
  assert.equal(res.status, 202);
  await page.waitForFunction(() => document.querySelector('#status .label')?.textContent === 'Live', null, { timeout: 10_000 });
  assert.notEqual(await badge(page), 'Connected · no data');
  await page.close();
});

test('behind a gateway-only process the command posts to RT_INGEST_URL, or says to replace a placeholder host', async () => {
  const withUrl = await start(['gateway'], false, { ingestUrl: 'https://ingest.example.com' });
  let page = await open(withUrl + '/');
  await page.waitForFunction(() => document.getElementById('curl')?.textContent?.includes('ingest.example.com'), null, { timeout: 10_000 });
  assert.match((await curl(page)) ?? '', /^curl -X POST https:\/\/ingest\.example\.com\/v1\/events /);
  await page.close();

  const without = await start(['gateway'], false);
  page = await open(without + '/');
  await page.waitForFunction(() => document.getElementById('curl')?.textContent?.includes('INGEST-HOST'), null, { timeout: 10_000 });
  assert.equal(await page.isVisible('#curl-note'), true);
  assert.match((await page.textContent('#curl-note')) ?? '', /RT_INGEST_URL/);
  await page.close();
});
