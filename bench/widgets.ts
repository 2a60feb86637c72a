/**
 * The frame benchmark of the widgets (issue 6): how a page full of rt
 * elements holds 60 frames per second, side by side with the naive page of
 * the classic tutorial (bench/naive-dashboard.js) on the same gateway, and
 * what each kind of page downloads.
 *
 *   npm run build && npm run bench:widgets
 *   node dist/bench/widgets.js --scenarios mixed,metrics,log,sizes --mixed-seconds 30 --runs 3
 *   node dist/bench/widgets.js --scenarios mixed --profile   # + CPU profiles of both pages
 *
 * `rt start` runs in its own process (memory bus, the production bundle in
 * dist/) and is fed through `POST /v1/events`; Debian's Chromium (headless,
 * CPU rendering) opens the pages from a loopback server of this process, on
 * another origin than the gateway, as embedding pages are.
 *
 * Scenarios:
 *   mixed   — 100 widgets (60 metrics, 30 charts with a 60 s window, 10 event
 *             logs), every topic at 60 Hz; rt and naive, one after the other,
 *             each on its own topics. Charts open with `--prefill-seconds` of
 *             history and fill towards 3 600 points during the run.
 *   metrics — 1 000 <rt-metric>, 24 in view, every topic at 10 Hz, and the
 *             same page with only the 24 visible topics fed (the ideal).
 *   log     — one <rt-event-log max=100000>, filled to each `--log-levels`
 *             row count, then measured at 1 000 events/s: fps, DOM nodes.
 *   sizes   — the JavaScript a metric-only page, a page with all three
 *             elements and a `subscribe()`-only page fetch (gzip, Brotli).
 *
 * Prints one JSON line per measurement, then the table of the issue.
 */
/// <reference lib="dom" />
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/support/chromium.js';
import { freePort } from '../test/support/free-port.js';
import { startRt, type RtProcess } from '../test/support/rt-process.js';
import { Feeder, logEvent, valueEvent, type FeedEvent } from './event-feeder.js';
import { percentile, PROBE_SCRIPT, performanceSession, round, sampleFrames, summarize, type FrameSample, type FrameSummary } from './frame-sampler.js';
import { bigLogPage, CHART_WINDOW_S, manyMetricsPage, mixedTopics, naiveMixedPage, rtMixedPage, sizePage, type SizePage } from './widget-pages.js';

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'mixed,metrics,log,sizes' },
    'mixed-seconds': { type: 'string', default: '30' },
    'prefill-seconds': { type: 'string', default: '30' },
    'metrics-seconds': { type: 'string', default: '10' },
    'metrics-count': { type: 'string', default: '1000' },
    'log-seconds': { type: 'string', default: '4' },
    'log-levels': { type: 'string', default: '10000,25000,50000,100000' },
    'log-fill-rate': { type: 'string', default: '10000' },
    'warmup-seconds': { type: 'string', default: '3' },
    runs: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
  },
});
const scenarios = new Set(values.scenarios.split(',').map((s) => s.trim()));
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${String(values[name])}`);
  return n;
};
const MIXED_S = num('mixed-seconds');
const PREFILL_S = Math.min(num('prefill-seconds'), CHART_WINDOW_S);
const METRICS_S = num('metrics-seconds');
const METRICS_N = num('metrics-count');
const LOG_S = num('log-seconds');
const LOG_LEVELS = values['log-levels'].split(',').map(Number);
const LOG_FILL_RATE = num('log-fill-rate');
const WARMUP_S = num('warmup-seconds');
const RUNS = Math.max(1, Math.round(num('runs')));
/** Record a CPU profile of each mixed page while it is measured (widgets-mixed-<page>.cpuprofile) and print where the time went. */
const PROFILE = values.profile;
const VIEWPORT = { width: 1280, height: 800 };

const here = new URL('.', import.meta.url);
const root = new URL('../../', here);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const emit = (record: Record<string, unknown>): void => console.log(JSON.stringify({ bench: 'widgets', ...record }));

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Counters of the rt process so far, from /metrics. */
interface Counters {
  /** Messages the gateway sent to clients (one per recipient). */
  sent: number;
  /** Messages the processor published (what the gateway had to deliver). */
  published: number;
  /** Connections the gateway closed as slow consumers. */
  slowCloses: number;
}

async function counters(gateway: string): Promise<Counters> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { sent: read('rt_gateway_messages_sent_total'), published: read('rt_processor_published_total'), slowCloses: read('rt_gateway_slow_consumer_closes_total') };
}

/** Serves the bench pages, the naive peer's script and uPlot for it. */
class PageServer {
  private pages = new Map<string, string>();
  private server: Server | null = null;
  origin = '';

  async start(): Promise<void> {
    const files: Record<string, [URL, string]> = {
      '/naive-dashboard.js': [new URL('bench/naive-dashboard.js', root), 'text/javascript'],
      '/uPlot.iife.min.js': [new URL('node_modules/uplot/dist/uPlot.iife.min.js', root), 'text/javascript'],
      '/uPlot.min.css': [new URL('node_modules/uplot/dist/uPlot.min.css', root), 'text/css'],
    };
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const page = this.pages.get(path);
      if (page) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      const file = files[path];
      if (file) return void res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(file[0]));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Registers a page and returns its URL. */
  add(name: string, html: string): string {
    this.pages.set(`/${name}`, html);
    return `${this.origin}/${name}`;
  }

  close(): void {
    this.server?.close();
  }
}

interface Context {
  browser: Browser;
  rt: RtProcess;
  gateway: string;
  pages: PageServer;
  feeder: Feeder;
}

async function openPage(ctx: Context, url: string): Promise<Page> {
  const page = await ctx.browser.newPage({ viewport: VIEWPORT, locale: 'en-US' });
  page.on('pageerror', (e) => console.error(`page error (${url}):`, e.message));
  await page.addInitScript(PROBE_SCRIPT);
  // Generous: on a machine shared with builds, a page of 100 widgets can take long to load.
  await page.goto(url, { timeout: 120_000 });
  await page.waitForFunction(() => (window as unknown as { __ready?: () => Promise<boolean> }).__ready?.(), undefined, { timeout: 120_000 });
  return page;
}

/** Samples a page while measuring the gateway's CPU and deliveries over the same time. */
async function measure(
  ctx: Context,
  page: Page,
  seconds: number,
  label: string,
): Promise<{ samples: FrameSample[]; summary: FrameSummary; serverCpuS: number; delivered: number; published: number; slowCloses: number }> {
  const cdp = await performanceSession(page);
  const cpu0 = cpuSeconds(ctx.rt.child.pid!);
  const before = await counters(ctx.gateway);
  const samples = await sampleFrames(page, cdp, seconds, (s) => emit({ scenario: label, sample: s }));
  const serverCpuS = round(cpuSeconds(ctx.rt.child.pid!) - cpu0, 2);
  const after = await counters(ctx.gateway);
  await cdp.detach();
  return {
    samples,
    summary: summarize(samples),
    serverCpuS,
    delivered: after.sent - before.sent,
    published: after.published - before.published,
    slowCloses: after.slowCloses - before.slowCloses,
  };
}

// ── where the main thread's time goes (--profile) ─────────────────────────

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

/** Starts the page's V8 CPU profiler; `stop` writes the profile and prints the functions with the most self time. */
async function startProfile(page: Page): Promise<{ stop(file: string): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[] } };
      writeFileSync(file, JSON.stringify(profile));
      const hits = new Map<string, number>();
      for (const node of profile.nodes) {
        const { functionName, url, lineNumber, columnNumber } = node.callFrame;
        const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\//, '')}:${lineNumber + 1}:${columnNumber + 1}` : ''}`.trim();
        hits.set(key, (hits.get(key) ?? 0) + (node.hitCount ?? 0));
      }
      const total = [...hits.values()].reduce((a, b) => a + b, 0);
      const top = [...hits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
      console.log(`\n${file}: self time by function (share of ${total} samples)`);
      for (const [key, n] of top) console.log(`  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`);
      await cdp.detach();
    },
  };
}

// ── (a) the mixed dashboard ────────────────────────────────────────────────

interface MixedResult {
  page: 'rt' | 'naive';
  summary: FrameSummary;
  serverCpuS: number;
  delivered: number;
  /** Messages published meanwhile: each is due to the page once. */
  published: number;
  /** Sockets of the page the gateway closed as slow consumers. */
  slowCloses: number;
  /** The naive page's own sockets at the end of the run. */
  sockets?: { open: number; closes: number };
  /** fps by chart fill: [points per chart, fps] every few seconds. */
  overTime: { t: number; chartPoints: number; fps: number; busyMsPerFrame: number }[];
}

async function mixed(ctx: Context, which: 'rt' | 'naive'): Promise<MixedResult> {
  const topics = mixedTopics(`bench.${which}${Date.now().toString(36)}`);
  // History for the charts: the last PREFILL_S seconds at 60 Hz, as a producer that has been running would have left.
  const now = Date.now();
  const prefill: FeedEvent[] = [];
  for (let k = Math.round(PREFILL_S * 60); k > 0; k--) for (const topic of topics.charts) prefill.push(valueEvent(topic, -k, now - Math.round((k * 1000) / 60)));
  await ctx.feeder.post(prefill);
  await sleep(500);
  ctx.feeder.start([...topics.metrics, ...topics.charts], 60, valueEvent);
  const logFeeder = new Feeder(`${ctx.gateway}/v1/events`);
  logFeeder.start(topics.logs, 60, logEvent);
  try {
    const url = ctx.pages.add(`mixed-${which}`, which === 'rt' ? rtMixedPage(ctx.gateway, topics) : naiveMixedPage(ctx.gateway, topics));
    const page = await openPage(ctx, url);
    await sleep(WARMUP_S * 1000);
    const profiler = PROFILE ? await startProfile(page) : null;
    const run = await measure(ctx, page, MIXED_S, `mixed-${which}`);
    if (profiler) await profiler.stop(`widgets-mixed-${which}.cpuprofile`);
    await page.close();
    const overTime = run.samples
      .filter((_, i) => i % 5 === 4 || i === run.samples.length - 1)
      .map((s) => ({ t: s.t, chartPoints: s.fill.chartPoints ?? 0, fps: s.fps, busyMsPerFrame: s.busyMsPerFrame }));
    const { summary, serverCpuS, delivered, published, slowCloses } = run;
    const last = run.samples[run.samples.length - 1]?.fill ?? {};
    const sockets = which === 'naive' ? { open: last.socketsOpen ?? 0, closes: last.socketCloses ?? 0 } : undefined;
    const result: MixedResult = { page: which, summary, serverCpuS, delivered, published, slowCloses, sockets, overTime };
    emit({ scenario: 'mixed', ...result, missedFeedTicks: ctx.feeder.missedTicks + logFeeder.missedTicks, refusedPosts: ctx.feeder.refused + logFeeder.refused });
    return result;
  } finally {
    await ctx.feeder.stop();
    await logFeeder.stop();
  }
}

// ── (b) 1 000 metrics, 24 in view ──────────────────────────────────────────

interface MetricsResult {
  fed: 'all' | 'visible';
  inView: number;
  summary: FrameSummary;
}

async function manyMetrics(ctx: Context, fed: 'all' | 'visible'): Promise<MetricsResult> {
  const url = ctx.pages.add(`metrics-${fed}`, manyMetricsPage(ctx.gateway, METRICS_N));
  const page = await openPage(ctx, url);
  const inView = (await page.evaluate(() => (window as unknown as { __fill: () => { inView: number } }).__fill().inView)) as number;
  const topics = Array.from({ length: fed === 'all' ? METRICS_N : inView }, (_, i) => `bench.many.${i}`);
  ctx.feeder.start(topics, 10, valueEvent);
  try {
    await sleep(WARMUP_S * 1000);
    const run = await measure(ctx, page, METRICS_S, `metrics-${fed}`);
    await page.close();
    const result = { fed, inView, summary: run.summary };
    emit({ scenario: 'metrics', ...result, serverCpuS: run.serverCpuS, delivered: run.delivered });
    return result;
  } finally {
    await ctx.feeder.stop();
  }
}

// ── (c) one event log up to 100 000 rows ───────────────────────────────────

interface LogLevelResult {
  rows: number;
  nodes: number;
  summary: FrameSummary;
}

async function bigLog(ctx: Context): Promise<LogLevelResult[]> {
  const max = Math.max(...LOG_LEVELS);
  const page = await openPage(ctx, ctx.pages.add('log', bigLogPage(ctx.gateway, max)));
  const fill = (): Promise<{ rows: number; nodes: number }> => page.evaluate(() => (window as unknown as { __fill: () => { rows: number; nodes: number } }).__fill());
  const results: LogLevelResult[] = [];
  let posted = 0;
  for (const level of LOG_LEVELS) {
    // Fill up to the level quickly (bounded by --log-fill-rate), then measure at 1 000 events/s.
    const step = Math.max(1, Math.round(LOG_FILL_RATE / 5));
    while (posted < level) {
      const started = Date.now();
      const n = Math.min(step, level - posted);
      await ctx.feeder.post(Array.from({ length: n }, (_, i) => logEvent('bench.biglog', posted + i, Date.now())));
      posted += n;
      await sleep(Math.max(0, 200 - (Date.now() - started)));
    }
    const deadline = Date.now() + 60_000;
    while ((await fill()).rows < Math.min(level, max) * 0.99 && Date.now() < deadline) await sleep(250);
    ctx.feeder.start(['bench.biglog'], 1000, logEvent, 50);
    try {
      const run = await measure(ctx, page, LOG_S, `log-${level}`);
      const { rows, nodes } = await fill();
      posted = Math.max(posted, rows);
      const result = { rows, nodes, summary: run.summary };
      emit({ scenario: 'log', level, ...result });
      results.push(result);
    } finally {
      await ctx.feeder.stop();
    }
  }
  await page.close();
  return results;
}

// ── (d) what each kind of page downloads ───────────────────────────────────

interface SizeResult {
  page: SizePage;
  files: string[];
  raw: number;
  gzip: number;
  brotli: number;
  /** Bytes the browser actually received for these scripts (body and headers), and the encodings the gateway chose. */
  transferred: number;
  encodings: string[];
}

async function sizes(ctx: Context, which: SizePage): Promise<SizeResult> {
  const page = await ctx.browser.newPage({ viewport: VIEWPORT });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const scripts = new Map<string, { encoding: string; bytes: number }>();
  const byId = new Map<string, string>();
  cdp.on('Network.responseReceived', (e) => {
    if (!e.response.url.startsWith(ctx.gateway) || !new URL(e.response.url).pathname.endsWith('.js')) return;
    byId.set(e.requestId, e.response.url);
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    scripts.set(e.response.url, { encoding: headers['content-encoding'] ?? 'identity', bytes: 0 });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const url = byId.get(e.requestId);
    if (url) scripts.get(url)!.bytes = e.encodedDataLength;
  });
  await page.goto(ctx.pages.add(`size-${which}`, sizePage(ctx.gateway, which)));
  await page.waitForFunction(() => (window as unknown as { __ready?: () => Promise<boolean> }).__ready?.(), undefined, { timeout: 30_000 });
  await sleep(1000);
  await page.close();
  const files = [...scripts.keys()].map((url) => new URL(url).pathname);
  const size = (path: string): number => statSync(fileURLToPath(new URL(`dist${path}`, root))).size;
  const result: SizeResult = {
    page: which,
    files,
    raw: files.reduce((n, f) => n + size(f), 0),
    gzip: files.reduce((n, f) => n + size(`${f}.gz`), 0),
    brotli: files.reduce((n, f) => n + size(`${f}.br`), 0),
    transferred: [...scripts.values()].reduce((n, s) => n + s.bytes, 0),
    encodings: [...new Set([...scripts.values()].map((s) => s.encoding))],
  };
  emit({ scenario: 'sizes', ...result });
  return result;
}

// ── the table ──────────────────────────────────────────────────────────────

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(1)}×` : '—');

/** Field by field median of the runs' summaries. */
function medianSummary(summaries: readonly FrameSummary[]): FrameSummary {
  const keys = Object.keys(summaries[0]) as (keyof FrameSummary)[];
  return Object.fromEntries(keys.map((k) => [k, percentile(summaries.map((s) => s[k]), 50)])) as unknown as FrameSummary;
}

/** The median of several runs of one page: its summary field by field; the rest from the run with the median fps. */
function medianRun<T extends { summary: FrameSummary }>(runs: readonly T[]): T | undefined {
  if (runs.length === 0) return undefined;
  const byFps = [...runs].sort((a, b) => a.summary.fpsMedian - b.summary.fpsMedian);
  return { ...byFps[Math.floor((byFps.length - 1) / 2)], summary: medianSummary(runs.map((r) => r.summary)) };
}

function table(results: { mixed: MixedResult[]; metrics: MetricsResult[]; log: LogLevelResult[]; sizes: SizeResult[] }): string {
  const lines = [`| ${RUNS > 1 ? `median of ${RUNS} runs` : 'one run'} | rt | naive | rt ÷ naive | goal |`, '|---|---|---|---|---|'];
  const rt = medianRun(results.mixed.filter((r) => r.page === 'rt'));
  const naive = medianRun(results.mixed.filter((r) => r.page === 'naive'));
  if (rt) {
    const n = naive?.summary;
    const s = rt.summary;
    lines.push(`| 100 widgets, every topic at 60 Hz: fps median / p5 | ${s.fpsMedian} / ${s.fpsP5} | ${n ? `${n.fpsMedian} / ${n.fpsP5}` : '—'} | ${n ? ratio(s.fpsMedian, n.fpsMedian) : '—'} | ≥ 55 median, ≥ 3× naive |`);
    lines.push(`| main thread busy per frame, median / p95 (1 s windows) | ${s.busyMsPerFrameMedian} / ${s.busyMsPerFrameP95} ms (${Math.round(s.busyShare * 100)} % of the time) | ${n ? `${n.busyMsPerFrameMedian} / ${n.busyMsPerFrameP95} ms (${Math.round(n.busyShare * 100)} %)` : '—'} | | p95 ≤ 12 ms |`);
    lines.push(`| long tasks in ${s.seconds} s | ${s.longTasks} | ${n?.longTasks ?? '—'} | | |`);
    const trend = (r: MixedResult): string => r.overTime.map((o) => `${o.fps} fps @ ${o.chartPoints}`).join(', ');
    lines.push(`| fps as the charts fill (points per chart) | ${trend(rt)} | ${naive ? trend(naive) : '—'} | | flat up to 3 600 points |`);
    const got = (r: MixedResult): string =>
      `${Math.round(r.delivered / r.summary.seconds)}/s, ${Math.round((100 * r.delivered) / r.published)} % of those published${r.slowCloses > 0 ? `; ${r.slowCloses} sockets closed as slow consumers` : ''}${
        r.sockets ? `; ${r.sockets.open} of 100 sockets open at the end, ${r.sockets.closes} closes` : ''
      }`;
    lines.push(`| messages the gateway delivered to the page | ${got(rt)} | ${naive ? got(naive) : '—'} | | all, none left behind |`);
    const perMsg = (r: MixedResult): string => (r.delivered > 0 ? `${((r.serverCpuS / r.delivered) * 1e6).toFixed(1)} µs` : '—');
    lines.push(`| gateway process CPU per delivered message | ${perMsg(rt)} (${rt.serverCpuS} s for ${rt.delivered}) | ${naive ? `${perMsg(naive)} (${naive.serverCpuS} s for ${naive.delivered})` : '—'} | | |`);
  }
  const all = medianRun(results.metrics.filter((r) => r.fed === 'all'));
  const visible = medianRun(results.metrics.filter((r) => r.fed === 'visible'));
  if (all) {
    lines.push(
      `| ${METRICS_N} \`<rt-metric>\`, ${all.inView} in view, 10 Hz: fps median / p5 | ${all.summary.fpsMedian} / ${all.summary.fpsP5} (busy p95 ${all.summary.busyMsPerFrameP95} ms) | only the ${visible?.inView ?? 24} visible fed: ${visible ? `${visible.summary.fpsMedian} / ${visible.summary.fpsP5}` : '—'} | ${visible ? ratio(all.summary.fpsMedian, visible.summary.fpsMedian) : '—'} of the ideal | 60 fps: off-screen elements cost nothing |`,
    );
  }
  if (results.log.length > 0) {
    const levels = results.log.slice(0, LOG_LEVELS.length).map((_, i) => medianRun(results.log.filter((_, j) => j % LOG_LEVELS.length === i))!);
    const cells = levels.map((r) => `${r.summary.fpsMedian} fps / ${r.nodes} nodes @ ${r.rows} rows`).join('; ');
    lines.push(`| one \`<rt-event-log>\`, 1 000 events/s: fps median, DOM nodes | ${cells} | | | ≥ 58 fps at 100 000 rows, < 300 DOM nodes |`);
  }
  const goal: Record<SizePage, string> = { 'metric-only': '≤ 15 KB gzip', 'all-three': '≤ 45 KB gzip', 'subscribe-only': '' };
  for (const s of results.sizes) {
    lines.push(`| JavaScript of a ${s.page} page (${s.files.length} files) | ${kb(s.gzip)} KB gzip, ${kb(s.brotli)} KB brotli (${kb(s.raw)} KB raw; ${kb(s.transferred)} KB received as ${s.encodings.join('+')}) | | | ${goal[s.page]} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const port = await freePort();
  const rt = await startRt('start', ['--port', String(port), '--no-demo'], { LOG_LEVEL: 'warn' });
  const pages = new PageServer();
  await pages.start();
  const browser = await launchChromium();
  const gateway = `http://127.0.0.1:${port}`;
  const ctx: Context = { browser, rt, gateway, pages, feeder: new Feeder(`${gateway}/v1/events`) };
  const results = { mixed: [] as MixedResult[], metrics: [] as MetricsResult[], log: [] as LogLevelResult[], sizes: [] as SizeResult[] };
  const started = Date.now();
  // Interrupted (Ctrl-C, a timeout): still end the browser and the rt process, and print what was measured.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\ninterrupted by ${signal}; results so far:\n${table(results)}`);
      void Promise.allSettled([browser.close(), rt.kill('SIGKILL')]).finally(() => process.exit(130));
    });
  }
  try {
    if (scenarios.has('sizes')) for (const which of ['metric-only', 'all-three', 'subscribe-only'] as const) results.sizes.push(await sizes(ctx, which));
    // Runs alternate between the page and its peer, so both see the same spells of a busy machine.
    for (let run = 0; run < RUNS; run++) {
      if (scenarios.has('mixed')) for (const which of ['rt', 'naive'] as const) results.mixed.push(await mixed(ctx, which));
      if (scenarios.has('metrics')) for (const fed of ['all', 'visible'] as const) results.metrics.push(await manyMetrics(ctx, fed));
      if (scenarios.has('log')) results.log.push(...(await bigLog(ctx)));
    }
  } finally {
    await browser.close();
    pages.close();
    await rt.kill('SIGTERM');
  }
  emit({ scenario: 'summary', seconds: Math.round((Date.now() - started) / 1000), ...results });
  console.log(`\nrt widgets in headless Chromium (${VIEWPORT.width}×${VIEWPORT.height}, CPU rendering), fed through POST /v1/events; ${new Date().toISOString()}\n`);
  console.log(table(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
