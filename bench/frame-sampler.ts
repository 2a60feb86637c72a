/**
 * Measures a page's frames the way the issue asks: frames counted by
 * `requestAnimationFrame` in the page, the main thread's real busy time from
 * Chromium itself (CDP `Performance.getMetrics` → `TaskDuration`), long
 * tasks from a `PerformanceObserver`, sampled once a second.
 */
/// <reference lib="dom" />
import type { CDPSession, Page } from 'playwright-core';

/** Installed before any page script runs: counts frames and long tasks. */
export const PROBE_SCRIPT = `(() => {
  const probe = (window.__probe = { frames: 0, longTasks: 0, longTaskMs: 0 });
  const loop = () => { probe.frames++; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) { probe.longTasks++; probe.longTaskMs += e.duration; }
    }).observe({ type: 'longtask' });
  } catch {}
})();`;

/** One second of a page's life. */
export interface FrameSample {
  /** Seconds since sampling started. */
  t: number;
  fps: number;
  /** Main-thread busy time per frame in this second, in ms (TaskDuration / frames). */
  busyMsPerFrame: number;
  /** Share of the second the main thread was busy, 0–1. */
  busyShare: number;
  longTasks: number;
  /** What the page's `window.__fill()` reported at the end of the second. */
  fill: Record<string, number>;
}

interface ProbeState {
  frames: number;
  longTasks: number;
  fill: Record<string, number>;
}

async function readProbe(page: Page): Promise<ProbeState> {
  return page.evaluate(() => {
    const w = window as unknown as { __probe: { frames: number; longTasks: number }; __fill?: () => Record<string, number> };
    return { frames: w.__probe.frames, longTasks: w.__probe.longTasks, fill: w.__fill?.() ?? {} };
  });
}

async function taskSeconds(cdp: CDPSession): Promise<{ task: number; at: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string): number => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), at: get('Timestamp') };
}

/** Opens a CDP session on the page with the Performance domain enabled. */
export async function performanceSession(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  return cdp;
}

/** Samples the page every second for `seconds`; `onSample` sees each second as it ends. */
export async function sampleFrames(page: Page, cdp: CDPSession, seconds: number, onSample?: (s: FrameSample) => void): Promise<FrameSample[]> {
  const samples: FrameSample[] = [];
  let [prevTask, prevProbe] = await Promise.all([taskSeconds(cdp), readProbe(page)]);
  const start = prevTask.at;
  const wallStart = Date.now();
  for (let i = 1; Date.now() - wallStart < seconds * 1000; i++) {
    const wait = wallStart + i * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [task, probe] = await Promise.all([taskSeconds(cdp), readProbe(page)]);
    const dt = task.at - prevTask.at;
    const frames = probe.frames - prevProbe.frames;
    const busy = task.task - prevTask.task;
    const sample: FrameSample = {
      t: round(task.at - start, 1),
      fps: round(frames / dt, 1),
      busyMsPerFrame: round(frames > 0 ? (busy * 1000) / frames : busy * 1000, 1),
      busyShare: round(busy / dt, 2),
      longTasks: probe.longTasks - prevProbe.longTasks,
      fill: probe.fill,
    };
    samples.push(sample);
    onSample?.(sample);
    prevTask = task;
    prevProbe = probe;
  }
  return samples;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** What the table shows of a run. */
export interface FrameSummary {
  seconds: number;
  fpsMedian: number;
  fpsP5: number;
  busyMsPerFrameMedian: number;
  busyMsPerFrameP95: number;
  busyShare: number;
  longTasks: number;
}

export function summarize(samples: readonly FrameSample[]): FrameSummary {
  const fps = samples.map((s) => s.fps);
  const busy = samples.map((s) => s.busyMsPerFrame);
  return {
    seconds: samples.length,
    fpsMedian: percentile(fps, 50),
    fpsP5: percentile(fps, 5),
    busyMsPerFrameMedian: percentile(busy, 50),
    busyMsPerFrameP95: percentile(busy, 95),
    busyShare: round(samples.reduce((n, s) => n + s.busyShare, 0) / Math.max(1, samples.length), 2),
    longTasks: samples.reduce((n, s) => n + s.longTasks, 0),
  };
}
