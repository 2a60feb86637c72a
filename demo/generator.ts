/**
 * The demo's data generator: a small, plausible web shop that `rt start` runs
 * next to the services so the demo pages move. It writes producer events onto
 * the ingest stream like any other producer, so the demo exercises the whole
 * path (ingest stream → processor → gateway → widgets).
 *
 * The model, in one paragraph: traffic follows a "day" compressed to five
 * minutes (one chart window shows a whole day). Utilization drives API CPU,
 * latency, error rate and orders. Now and then an incident (a slow payment
 * provider, a struggling database, a search outage) rises and fades over a few
 * seconds: latency percentiles spike, errors climb and the log fills with the
 * warnings and errors of that cause. The worker's CPU has its own batch jobs.
 */
import type { IngestEvent, IngestLog } from '../bus/ingest-log.js';
import type { Json } from '../protocol/index.js';

/** Metric topics (events with a numeric `value`), one event each per tick. */
export const DEMO_METRIC_TOPICS = [
  /** API servers' CPU, percent. */
  'cpu.api',
  /** Background workers' CPU, percent. */
  'cpu.worker',
  /** Requests served per second. */
  'http.requests_per_sec',
  /** Median request latency, ms. */
  'http.latency.p50',
  /** 95th percentile request latency, ms. */
  'http.latency.p95',
  /** 99th percentile request latency, ms. */
  'http.latency.p99',
  /** Share of requests answered with a 5xx, percent. */
  'http.error_rate',
  /** Orders placed per minute. */
  'orders.per_min',
] as const;

/** Event topics (events with structured `data`), zero or more per tick. */
export const DEMO_EVENT_TOPICS = [
  /** API log lines: `{ level, msg, service, trace_id, ... }`. */
  'log.api',
] as const;

/** Every topic the generator produces; the demo pages subscribe to these. */
export const DEMO_TOPICS = [...DEMO_METRIC_TOPICS, ...DEMO_EVENT_TOPICS] as const;

export type DemoTopic = (typeof DEMO_TOPICS)[number];

/** Severity of a `log.api` event. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Options of `startGenerator`. */
export interface GeneratorOptions {
  /** Milliseconds between ticks; each tick is one `append` call. Default 250. */
  intervalMs?: number;
  /** Uniform random numbers in [0, 1); inject `mulberry32(seed)` for a repeatable series. Default `Math.random`. */
  random?: () => number;
  /** Clock in epoch ms, used for `ts` and the compressed day. Default `Date.now`. */
  now?: () => number;
  /**
   * Milliseconds of history to generate at start, so charts open full rather
   * than empty. Appended in batches before the first live tick. Default 0.
   */
  backfillMs?: number;
}

/** Events per `append` call while backfilling. */
const BACKFILL_BATCH = 2000;

/** A running generator. */
export interface DemoGenerator {
  /** Stops ticking. Safe to call more than once. */
  stop(): void;
}

/** The model behind the generator, free of timers so tests can step it. */
export interface DemoSeries {
  /** Advances the model by `elapsedMs` to time `now` and returns the events of that step. */
  next(now: number, elapsedMs: number): IngestEvent[];
}

/** Length of the compressed "day" of the traffic curve. */
export const DEMO_DAY_MS = 5 * 60_000;

const DEFAULT_INTERVAL_MS = 250;
/** Longest step the model takes at once, so a process that slept does not jump. */
const MAX_STEP_MS = 10_000;
/** Most log events one step emits, whatever the rate. */
const MAX_LOGS_PER_STEP = 40;

/**
 * mulberry32: a tiny, fast 32-bit PRNG, good enough for demo data and fully
 * determined by its seed. Returns numbers in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts producing demo events onto the ingest stream: one `bus.append` per
 * tick with every metric and the log lines of that tick. Never throws from the
 * timer: a failed append is reported once per failure streak with
 * `console.warn`, and while an append is still pending the next ticks' events
 * are dropped rather than queued, so a stalled bus cannot grow memory.
 */
export function startGenerator(bus: Pick<IngestLog, 'append'>, options: GeneratorOptions = {}): DemoGenerator {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
  }
  const now = options.now ?? Date.now;
  const series = createDemoSeries(options.random ?? Math.random);

  let last = now() - intervalMs;
  let inFlight = false;
  let failedTicks = 0;
  let stopped = false;

  const failed = (err: unknown): void => {
    if (stopped) return;
    if (failedTicks++ === 0) {
      const reason = err instanceof Error ? err.message : String(err);
      console.warn(`demo generator: appending to the bus failed (${reason}); retrying every tick, quiet until it recovers`);
    }
  };
  const succeeded = (): void => {
    if (failedTicks > 0 && !stopped) console.info(`demo generator: appending recovered after ${failedTicks} failed tick(s)`);
    failedTicks = 0;
  };

  const tick = (): void => {
    try {
      const t = now();
      const events = series.next(t, t - last);
      last = t;
      if (inFlight || stopped) return;
      inFlight = true;
      let pending: Promise<unknown>;
      try {
        pending = bus.append(events);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(succeeded, failed).finally(() => {
        inFlight = false;
      });
    } catch (err) {
      failed(err);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const goLive = (): void => {
    if (stopped) return;
    timer = setInterval(tick, intervalMs);
    // The generator rides along with the services; it must not keep a process alive alone.
    timer.unref();
    tick();
  };

  const backfillMs = options.backfillMs ?? 0;
  if (backfillMs > 0) {
    // History first, in time order, then live ticks: charts need ascending times.
    void (async () => {
      const end = now();
      let batch: IngestEvent[] = [];
      for (let t = end - backfillMs; t < end && !stopped; t += intervalMs) {
        batch.push(...series.next(t, intervalMs));
        if (batch.length >= BACKFILL_BATCH) {
          await bus.append(batch).catch(failed);
          batch = [];
        }
      }
      if (batch.length > 0 && !stopped) await bus.append(batch).catch(failed);
      last = now() - intervalMs;
      goLive();
    })();
  } else {
    goLive();
  }

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

// ── the model ───────────────────────────────────────────────────────────────

interface Cause {
  /** Services that log the trouble. */
  service: string;
  warn: readonly LogTemplate[];
  error: readonly LogTemplate[];
}

/** A kind of log line; `service` defaults to the incident's cause or a random service. */
type LogTemplate = (r: Rand) => { msg: string; service?: string; fields?: { [key: string]: Json } };

interface Incident {
  cause: Cause;
  startedMs: number;
  durationMs: number;
  peak: number;
}

/** Random helpers over the injected source, so the series stays deterministic. */
class Rand {
  constructor(readonly uniform: () => number) {}

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  int(lo: number, hi: number): number {
    return Math.floor(this.between(lo, hi + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.min(items.length - 1, Math.floor(this.uniform() * items.length))];
  }

  /** Standard normal (Box–Muller). */
  gauss(): number {
    const u = Math.max(this.uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** True with the probability that an event of `perSecond` rate happens within `ms`. */
  happens(perSecond: number, ms: number): boolean {
    return this.uniform() < 1 - Math.exp((-perSecond * ms) / 1000);
  }

  /** Poisson-distributed count with mean `mean` (Knuth; means here are small). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit && k < MAX_LOGS_PER_STEP) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.uniform() * 16).toString(16);
    return out;
  }
}

/**
 * One step of an Ornstein–Uhlenbeck process: pulls `x` towards `mean` with
 * time constant `tauMs` and adds noise of `sigma` per √second. Mean reversion
 * is what makes a CPU line look like a CPU line rather than a random walk.
 */
function meanRevert(r: Rand, x: number, mean: number, tauMs: number, sigma: number, ms: number): number {
  return x + (mean - x) * (1 - Math.exp(-ms / tauMs)) + sigma * Math.sqrt(ms / 1000) * r.gauss();
}

function decay(x: number, tauMs: number, ms: number): number {
  return x * Math.exp(-ms / tauMs);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Traffic of the compressed day, 0 (small hours) to 1 (busiest), with an evening shoulder. */
export function dayLoad(now: number): number {
  const phase = (((now % DEMO_DAY_MS) + DEMO_DAY_MS) % DEMO_DAY_MS) / DEMO_DAY_MS;
  return clamp(0.5 - 0.5 * Math.cos(2 * Math.PI * phase) + 0.1 * Math.sin(4 * Math.PI * phase), 0, 1);
}

const ROUTES = [
  { method: 'GET', path: '/v1/products', service: 'catalog', weight: 30, cost: 1 },
  { method: 'GET', path: '/v1/products/:id', service: 'catalog', weight: 25, cost: 0.7 },
  { method: 'GET', path: '/v1/search', service: 'search', weight: 18, cost: 1.6 },
  { method: 'POST', path: '/v1/cart/items', service: 'checkout', weight: 10, cost: 1.2 },
  { method: 'POST', path: '/v1/checkout', service: 'checkout', weight: 5, cost: 3.5 },
  { method: 'GET', path: '/v1/orders/:id', service: 'orders', weight: 7, cost: 1.1 },
  { method: 'POST', path: '/v1/auth/login', service: 'auth', weight: 5, cost: 2.2 },
] as const;
const ROUTE_WEIGHT = ROUTES.reduce((sum, route) => sum + route.weight, 0);

const TABLES = ['orders', 'order_items', 'products', 'inventory', 'customers'] as const;
const CACHE_KEYS = ['product', 'category', 'price', 'session', 'cart'] as const;

const slowQuery: LogTemplate = (r) => {
  const table = r.pick(TABLES);
  const ms = r.int(400, 2600);
  return { msg: `slow query on ${table} took ${ms} ms`, fields: { table, duration_ms: ms } };
};
const poolPressure: LogTemplate = (r) => {
  const used = r.int(41, 50);
  return { msg: `db connection pool ${Math.round((used / 50) * 100)}% in use (${used}/50)`, fields: { pool_used: used, pool_size: 50 } };
};
const retryingUpstream = (upstream: string): LogTemplate => (r) => {
  const attempt = r.int(2, 3);
  return { msg: `${upstream} answered 503, retrying (attempt ${attempt}/3)`, fields: { upstream, attempt } };
};
const upstreamTimeout = (upstream: string, timeoutMs: number): LogTemplate => () => ({
  msg: `upstream timeout: ${upstream} did not answer within ${timeoutMs} ms`,
  fields: { upstream, timeout_ms: timeoutMs },
});
const circuitOpen = (upstream: string): LogTemplate => () => ({
  msg: `circuit breaker open for ${upstream}, failing fast for 30 s`,
  fields: { upstream },
});

const CAUSES: readonly Cause[] = [
  {
    service: 'checkout',
    warn: [retryingUpstream('payments-svc'), () => ({ msg: 'payment authorization took 3.8 s, above the 2 s budget', fields: { upstream: 'payments-svc' } })],
    error: [
      upstreamTimeout('payments-svc', 5000),
      () => ({ msg: 'POST /v1/checkout 502: payment provider returned bad gateway', fields: { route: '/v1/checkout', status: 502 } }),
      circuitOpen('payments-svc'),
    ],
  },
  {
    service: 'orders',
    warn: [slowQuery, poolPressure],
    error: [
      (r) => ({ msg: `deadlock detected on ${r.pick(TABLES)}, transaction rolled back`, fields: { sqlstate: '40P01' } }),
      () => ({ msg: 'could not acquire a db connection within 2000 ms', fields: { pool_size: 50 } }),
      upstreamTimeout('postgres-primary', 3000),
    ],
  },
  {
    service: 'search',
    warn: [retryingUpstream('search-svc'), () => ({ msg: 'search index replica lagging by 42 s', fields: { upstream: 'search-svc' } })],
    error: [upstreamTimeout('search-svc', 1500), circuitOpen('search-svc')],
  },
];

/** Warnings and errors that happen on a quiet day too. */
const EVERYDAY_WARN: readonly LogTemplate[] = [
  slowQuery,
  (r) => {
    const key = `key_${r.hex(4)}`;
    return { msg: `client ${key} at ${r.int(85, 98)}% of its rate limit`, service: 'api', fields: { api_key: key } };
  },
  (r) => ({ msg: `cache miss rate ${r.int(18, 35)}% on ${r.pick(CACHE_KEYS)}:* over the last minute`, service: 'catalog' }),
  (r) => ({ ...retryingUpstream('inventory-svc')(r), service: 'catalog' }),
];
const EVERYDAY_ERROR: readonly LogTemplate[] = [
  (r) => ({ ...upstreamTimeout('inventory-svc', 2000)(r), service: 'catalog' }),
  (r) => ({
    msg: `GET /v1/orders/ord_${r.hex(6)} 500: Cannot read properties of undefined (reading 'items')`,
    service: 'orders',
    fields: { route: '/v1/orders/:id', status: 500, error_id: `err_${r.hex(8)}` },
  }),
];

/**
 * Creates the demo model over a source of uniform random numbers. The same
 * source and the same sequence of `next` calls give the same events.
 */
export function createDemoSeries(random: () => number): DemoSeries {
  const r = new Rand(random);
  let cpuApi = 25;
  let cpuWorker = 35;
  let cpuApiSpike = 0;
  let batchJob = 0;
  let trafficWander = 0;
  let trafficBurst = 0;
  let ordersPerMin: number | null = null;
  let incident: Incident | null = null;

  /** Incident intensity at `now`, 0 to 1: a bump that rises and fades. */
  const incidentLevel = (now: number): number => {
    if (!incident) return 0;
    const progress = (now - incident.startedMs) / incident.durationMs;
    if (progress >= 1 || progress < 0) {
      incident = null;
      return 0;
    }
    return incident.peak * Math.sin(Math.PI * progress) ** 0.7;
  };

  const logLine = (level: LogLevel, now: number, latencyP50: number, stress: number): IngestEvent => {
    const trace_id = r.hex(16);
    let service: string;
    let msg: string;
    let fields: { [key: string]: Json } | undefined;
    if (level === 'info') {
      const roll = r.uniform();
      const route = pickRoute(r);
      service = route.service;
      if (roll < 0.72) {
        // Per-request latency: log-normal around the median, heavier tail under stress.
        const ms = Math.max(1, Math.round(latencyP50 * route.cost * Math.exp(r.gauss() * (0.45 + stress))));
        const status = route.method === 'POST' ? 201 : r.uniform() < 0.04 ? 304 : 200;
        const path = route.path.replace(':id', route.service === 'orders' ? `ord_${r.hex(6)}` : String(r.int(1000, 99999)));
        msg = `${route.method} ${path} ${status} in ${ms} ms`;
        fields = { method: route.method, route: route.path, status, duration_ms: ms };
      } else if (roll < 0.86) {
        const key = `${r.pick(CACHE_KEYS)}:${r.int(1000, 99999)}`;
        const ms = r.int(3, 24);
        msg = `cache miss for ${key}, loaded from db in ${ms} ms`;
        fields = { cache_key: key, duration_ms: ms };
      } else if (roll < 0.95) {
        const items = r.int(1, 6);
        const total = round(items * r.between(9, 60), 2);
        service = 'checkout';
        msg = `order ord_${r.hex(6)} placed: ${items} item${items === 1 ? '' : 's'}, $${total.toFixed(2)}`;
        fields = { items, total_usd: total };
      } else {
        service = 'auth';
        msg = `user u_${r.int(10000, 99999)} signed in`;
        fields = { method: r.uniform() < 0.7 ? 'password' : 'sso' };
      }
    } else {
      // During an incident most trouble comes from its cause; otherwise from everyday noise.
      const cause = incident && r.uniform() < 0.8 ? incident.cause : null;
      const templates = level === 'warn' ? (cause?.warn ?? EVERYDAY_WARN) : (cause?.error ?? EVERYDAY_ERROR);
      const line = r.pick(templates)(r);
      service = line.service ?? cause?.service ?? 'api';
      msg = line.msg;
      fields = line.fields;
    }
    return { topic: 'log.api', ts: now, data: { level, msg, service, trace_id, ...fields } };
  };

  return {
    next(now, elapsedMs) {
      const ms = clamp(Number.isFinite(elapsedMs) ? elapsedMs : 0, 0, MAX_STEP_MS);

      if (!incident && r.happens(1 / 60, ms)) {
        incident = { cause: r.pick(CAUSES), startedMs: now, durationMs: r.between(4000, 14000), peak: r.between(0.4, 1) };
      }
      const stress = incidentLevel(now);

      // Traffic: the day's curve, a slow wander, rare bursts (a campaign email, a bot), white noise.
      const load = dayLoad(now);
      trafficWander = meanRevert(r, trafficWander, 0, 20_000, 0.03, ms);
      trafficBurst = decay(trafficBurst, 6000, ms);
      if (r.happens(1 / 70, ms)) trafficBurst += r.between(0.2, 0.5);
      const rps = Math.max(0, (140 + 760 * load) * (1 + trafficWander + trafficBurst) * (1 + 0.03 * r.gauss()));
      const utilization = rps / 1100;

      // CPU: mean-reverting around what the load asks for, plus GC pauses and batch jobs.
      cpuApiSpike = decay(cpuApiSpike, 1500, ms);
      if (r.happens(1 / 25, ms)) cpuApiSpike += r.between(12, 30);
      cpuApi = clamp(meanRevert(r, cpuApi, 12 + 60 * utilization + 18 * stress, 3000, 3.5, ms), 0, 100);
      batchJob = decay(batchJob, 7000, ms);
      if (r.happens(1 / 45, ms)) batchJob += r.between(35, 55);
      cpuWorker = clamp(meanRevert(r, cpuWorker, 22 + 15 * load, 4000, 4, ms), 0, 100);

      // Latency: queueing makes it grow faster than load; incidents hit the tail hardest.
      const p50 = Math.max(1, (16 + 30 * utilization ** 2 + 35 * stress) * Math.exp(0.04 * r.gauss()));
      const p95 = Math.max(p50 * 1.3, p50 * (2.3 + 1.4 * utilization) * Math.exp(0.07 * r.gauss()) + 420 * stress);
      const p99 = Math.max(p95 * 1.2, p95 * (1.5 + 0.5 * utilization) * Math.exp(0.09 * r.gauss()) + 900 * stress);

      const errorRate = clamp(0.12 + 0.6 * utilization ** 4 + 14 * stress ** 1.5 + Math.abs(0.06 * r.gauss()), 0, 100);

      // Orders lag traffic (people browse before they buy); failed requests lose orders.
      const ordersTarget = rps * 60 * 0.0045 * (1 - errorRate / 100);
      ordersPerMin = ordersPerMin === null ? ordersTarget : ordersPerMin + (ordersTarget - ordersPerMin) * (1 - Math.exp(-ms / 8000));
      const orders = Math.max(0, ordersPerMin * (1 + 0.04 * r.gauss()));

      const events: IngestEvent[] = [
        { topic: 'cpu.api', ts: now, value: round(clamp(cpuApi + cpuApiSpike, 0, 100), 1) },
        { topic: 'cpu.worker', ts: now, value: round(clamp(cpuWorker + batchJob, 0, 100), 1) },
        { topic: 'http.requests_per_sec', ts: now, value: round(rps, 1) },
        { topic: 'http.latency.p50', ts: now, value: round(p50, 1) },
        { topic: 'http.latency.p95', ts: now, value: round(p95, 1) },
        { topic: 'http.latency.p99', ts: now, value: round(p99, 1) },
        { topic: 'http.error_rate', ts: now, value: round(errorRate, 2) },
        { topic: 'orders.per_min', ts: now, value: round(orders, 1) },
      ];

      // Logs: a few lines a second on a quiet day, a burst of warnings and errors in an incident.
      const count = r.poisson(((1.5 + 3 * load + 14 * stress + 6 * trafficBurst) * ms) / 1000);
      const warnShare = 0.05 + 0.25 * stress;
      const errorShare = 0.01 + 0.2 * stress + (0.1 * errorRate) / 100;
      const times: number[] = [];
      for (let i = 0; i < count; i++) times.push(Math.round(now - r.uniform() * ms));
      times.sort((a, b) => a - b);
      for (const ts of times) {
        const roll = r.uniform();
        const level: LogLevel = roll < errorShare ? 'error' : roll < errorShare + warnShare ? 'warn' : 'info';
        events.push(logLine(level, ts, p50, stress));
      }
      return events;
    },
  };
}

function pickRoute(r: Rand): (typeof ROUTES)[number] {
  let roll = r.uniform() * ROUTE_WEIGHT;
  for (const route of ROUTES) {
    roll -= route.weight;
    if (roll < 0) return route;
  }
  return ROUTES[0];
}
