/**
 * Runs one load: worker processes open and subscribe the clients, the
 * publisher sends numbered messages for the duration, and the result counts
 * exactly what was owed and what arrived.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import type { LoadOptions } from './options.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { readGatewayMetrics, type GatewayMetrics } from './remote-metrics.js';
import { createPublisher } from './publisher.js';
import { assignTopics, topicName } from './topic-choice.js';
import type { WorkerReady, WorkerReport, WorkerStart } from './worker.js';

export interface LoadResult {
  protocol: string;
  url: string;
  clients: number;
  topics: number;
  subsPerClient: number;
  distribution: string;
  rate: number;
  durationS: number;
  workers: number;
  sourceAddresses: number;
  connected: number;
  failed: number;
  firstError: string | null;
  subscriptions: number;
  published: number;
  /** Deliveries owed: for each subscription, every message published on its topic. */
  expected: number;
  /** Distinct messages received, over all subscriptions. */
  delivered: number;
  lost: number;
  duplicates: number;
  /** Sequence numbers skipped while later ones arrived (out of order or lost). */
  skipped: number;
  /** Connections closed by the server during the run. */
  closedEarly: number;
  deliveriesPerSecond: number;
  /** Mean messages per WebSocket frame, as received. */
  messagesPerFrame: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  /** From /proc of --server-pid; null without it. */
  server: {
    cpuSeconds: number;
    cpuPerDeliveryUs: number;
    rssBeforeBytes: number;
    rssIdleBytes: number;
    rssPerIdleConnectionBytes: number;
    rssEndBytes: number;
  } | null;
  /** From --metrics-url: the rt gateway instance that answered, over the publishing window; null without it. */
  remote: {
    cpuSeconds: number;
    messagesSent: number;
    cpuPerMessageSentUs: number;
    connections: number;
  } | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Worker {
  child: ChildProcess;
  request<T>(message: object, type: string): Promise<T>;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

function startWorker(cpus: string | null): Worker {
  const script = fileURLToPath(new URL('./worker.js', import.meta.url));
  const [command, args] = cpus && hasTaskset() ? ['taskset', ['-c', cpus, process.execPath, script]] : [process.execPath, [script]];
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<string, (value: unknown) => void>();
  child.on('message', (message: { type: string }) => {
    waiting.get(message.type)?.(message);
    waiting.delete(message.type);
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`load worker exited (${code ?? signal})`))));
  exited.catch(() => {});
  return {
    child,
    request<T>(message: object, type: string): Promise<T> {
      const answer = new Promise<T>((resolve) => waiting.set(type, resolve as (value: unknown) => void));
      child.send(message);
      return Promise.race([answer, exited]);
    },
  };
}

/** Runs one load against a server and reports what arrived. */
export async function runLoad(options: LoadOptions, progress: (line: string) => void = () => {}): Promise<LoadResult> {
  const run = randomBytes(4).toString('hex');
  const topicNames = Array.from({ length: options.topics }, (_, i) => topicName(run, i));
  const assignment = assignTopics(options.clients, options.topics, options.subs, options.distribution, options.zipfExponent, options.seed);
  const pid = options.serverPid;
  const rssBefore = pid ? rssBytes(pid) : 0;

  const workers = Array.from({ length: options.workers }, () => startWorker(options.cpus));
  try {
    const per = Math.ceil(options.clients / options.workers);
    progress(`connecting ${options.clients} clients over ${options.workers} worker(s), ${options.sourceAddresses} source address(es)`);
    const readies = await Promise.all(
      workers.map((worker, w) => {
        const from = w * per;
        const to = Math.min(options.clients, from + per);
        const start: WorkerStart = {
          type: 'start',
          url: options.url,
          protocol: options.protocol,
          clients: assignment.slice(from, to).map((topics) => topics.map((t) => topicNames[t])),
          sourceAddresses: Array.from({ length: to - from }, (_, k) => (options.sourceAddresses > 1 ? `127.0.0.${1 + ((from + k) % options.sourceAddresses)}` : null)),
          connectConcurrency: options.connectConcurrency,
          token: options.token,
        };
        return worker.request<WorkerReady>(start, 'ready');
      }),
    );
    const connected = readies.reduce((n, r) => n + r.connected, 0);
    const failed = readies.reduce((n, r) => n + r.failed, 0);
    const firstError = readies.find((r) => r.firstError)?.firstError ?? null;
    progress(`${connected} connected, ${failed} failed${firstError ? ` (first error: ${firstError})` : ''}; settling ${options.settle} s`);
    await sleep(options.settle * 1000);
    const rssIdle = pid ? rssBytes(pid) : 0;

    const publisher = await createPublisher(options, topicNames);
    const cpuStart = pid ? cpuSeconds(pid) : 0;
    const remoteStart: GatewayMetrics | null = options.metricsUrl ? await readGatewayMetrics(options.metricsUrl) : null;
    const started = performance.now();
    let counts: number[];
    try {
      progress(`publishing ${options.rate} msg/s for ${options.duration} s (${options.publish})`);
      counts = await publisher.run(options.duration * 1000);
    } finally {
      await publisher.close();
    }
    const published = counts.reduce((a, b) => a + b, 0);

    // Wait for the last deliveries: until every subscription has every message, or the drain time is up.
    const collect = (): Promise<WorkerReport[]> => Promise.all(workers.map((w) => w.request<WorkerReport>({ type: 'report' }, 'report')));
    const expectedOf = (reports: WorkerReport[]): { expected: number; delivered: number } => {
      let expected = 0;
      let delivered = 0;
      for (const r of reports) {
        for (const [topic, t] of Object.entries(r.tallies)) {
          const i = topicNames.indexOf(topic);
          expected += t.subs * (i >= 0 ? counts[i] : 0);
          delivered += t.unique;
        }
      }
      return { expected, delivered };
    };
    let reports = await collect();
    const drainUntil = performance.now() + options.drain * 1000;
    while (performance.now() < drainUntil) {
      const { expected, delivered } = expectedOf(reports);
      if (delivered >= expected) break;
      await sleep(200);
      reports = await collect();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const cpu = pid ? cpuSeconds(pid) - cpuStart : 0;
    const rssEnd = pid ? rssBytes(pid) : 0;
    const remoteEnd: GatewayMetrics | null = options.metricsUrl ? await readGatewayMetrics(options.metricsUrl) : null;

    const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
    let duplicates = 0;
    let skipped = 0;
    let frames = 0;
    let closedEarly = 0;
    let subscriptions = 0;
    for (const r of reports) {
      merged.add(hdr.decodeFromCompressedBase64(r.histogram));
      frames += r.frames;
      closedEarly += r.closedEarly;
      for (const t of Object.values(r.tallies)) {
        duplicates += t.duplicates;
        skipped += t.skipped;
        subscriptions += t.subs;
      }
    }
    const { expected, delivered } = expectedOf(reports);
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      protocol: options.protocol,
      url: options.url,
      clients: options.clients,
      topics: options.topics,
      subsPerClient: options.subs,
      distribution: options.distribution,
      rate: options.rate,
      durationS: options.duration,
      workers: options.workers,
      sourceAddresses: options.sourceAddresses,
      connected,
      failed,
      firstError,
      subscriptions,
      published,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates,
      skipped,
      closedEarly,
      deliveriesPerSecond: Math.round(delivered / elapsedS),
      messagesPerFrame: frames === 0 ? 0 : Math.round((merged.totalCount / frames) * 100) / 100,
      latencyMs: {
        p50: ms(merged.getValueAtPercentile(50)),
        p90: ms(merged.getValueAtPercentile(90)),
        p99: ms(merged.getValueAtPercentile(99)),
        p999: ms(merged.getValueAtPercentile(99.9)),
        max: ms(merged.maxValue),
        mean: ms(merged.mean),
      },
      server: pid
        ? {
            cpuSeconds: Math.round(cpu * 100) / 100,
            cpuPerDeliveryUs: delivered === 0 ? 0 : Math.round((cpu / delivered) * 1e8) / 100,
            rssBeforeBytes: rssBefore,
            rssIdleBytes: rssIdle,
            rssPerIdleConnectionBytes: connected === 0 ? 0 : Math.round((rssIdle - rssBefore) / connected),
            rssEndBytes: rssEnd,
          }
        : null,
      remote:
        remoteStart && remoteEnd
          ? {
              cpuSeconds: Math.round((remoteEnd.cpuSeconds - remoteStart.cpuSeconds) * 100) / 100,
              messagesSent: remoteEnd.messagesSent - remoteStart.messagesSent,
              cpuPerMessageSentUs:
                remoteEnd.messagesSent === remoteStart.messagesSent
                  ? 0
                  : Math.round(((remoteEnd.cpuSeconds - remoteStart.cpuSeconds) / (remoteEnd.messagesSent - remoteStart.messagesSent)) * 1e8) / 100,
              connections: remoteEnd.connections,
            }
          : null,
    };
  } finally {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.connected) w.child.send({ type: 'stop' });
    }
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => w.child.kill('SIGKILL'), 5000);
            w.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
