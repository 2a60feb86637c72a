/**
 * Wires the services together: the bus (memory or Redis), the roles this
 * process plays (ingest, processor, gateway), one HTTP server for the roles
 * that listen, /healthz, and orderly shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino, type Logger } from 'pino';
import { MemoryBus, RedisBus, RetentionPolicy, redactUrl, type Bus } from '../bus/index.js';
import { startGenerator } from '../demo/generator.js';
import { Gateway, createStaticRouter } from '../gateway/index.js';
import { createIngestRouter, type IngestService, type IngestStats } from '../ingest/index.js';
import { createIngestAuth, type IngestAuth } from '../ingest/ingest-auth.js';
import { createAdminRouter } from '../gateway/admin-page.js';
import { Processor } from '../processor/index.js';
import { DEFAULTS, type Config } from './config.js';
import type { ConfigFile } from './config-file.js';
import { createMetrics } from './metrics.js';
import { accessPolicyOf, instanceLimitsOf } from './tenants-section.js';
import { addAccessMetrics } from './access-metrics.js';

export type Role = 'ingest' | 'processor' | 'gateway';

export interface RunningApp {
  /** Port the HTTP server listens on (null for a processor-only process). */
  port: number | null;
  bus: Bus;
  log: Logger;
  /** Applies a reloaded config file (SIGHUP) to the running services. */
  reload(file: ConfigFile): void;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  roles: readonly Role[];
  /** Run the demo data generator in this process. */
  generator?: boolean;
  /** Serve /healthz and /metrics even when no role listens (a processor given a port). */
  http?: boolean;
  log?: Logger;
  /** The compiled config file (RT_CONFIG), if any. */
  configFile?: ConfigFile;
}

async function createBus(config: Config, log: Logger): Promise<Bus> {
  if (!config.redisUrl) {
    return new MemoryBus({ partitions: config.partitions, historyMaxLen: config.historyMaxLen, retention: new RetentionPolicy(config.historyRetention) });
  }
  const bus = new RedisBus({
    url: config.redisUrl,
    waitReplicas: config.redisWaitReplicas ?? undefined,
    waitTimeoutMs: config.redisWaitTimeoutMs,
    partitions: config.partitions,
    historyMaxLen: config.historyMaxLen,
    retention: new RetentionPolicy(config.historyRetention),
    keyPrefix: config.keyPrefix,
    log: log.child({ component: 'bus' }),
  });
  log.info({ redis: redactUrl(config.redisUrl) }, `connecting to Redis at ${redactUrl(config.redisUrl)}`);
  await bus.connect();
  return bus;
}

/** Starts the given roles in this process. */
export async function startServices(options: StartOptions): Promise<RunningApp> {
  const { config, roles } = options;
  const log = options.log ?? pino({ level: config.logLevel });
  const bus = await createBus(config, log);
  const closers: (() => Promise<void>)[] = [];

  let processor: Processor | null = null;
  if (roles.includes('processor')) {
    processor = new Processor({ ingest: bus.ingest, coordination: bus.coordination, broker: bus.broker, state: bus.state, log: log.child({ component: 'processor' }), name: config.processorName ?? undefined, leaseTtlMs: config.leaseTtlMs, rules: options.configFile?.rules });
    await processor.start();
    const p = processor;
    closers.push(() => p.stop());
  }

  let server: Server | null = null;
  let gateway: Gateway | null = null;
  let ingestStats: IngestStats | null = null;
  let ingestHandler: IngestService['handle'] | null = null;
  let policy = accessPolicyOf(options.configFile);
  let instanceLimits = instanceLimitsOf(options.configFile);
  let ingestAuth: IngestAuth | null = null;
  let draining = false;
  if (roles.includes('ingest') || roles.includes('gateway') || options.http) {
    const app = express();
    app.disable('x-powered-by');
    app.get('/healthz', (_req, res) => {
      const healthy = bus.healthy();
      res.status(healthy ? 200 : 503).json({
        status: healthy ? 'ok' : 'unavailable',
        roles,
        bus: config.redisUrl ? 'redis' : 'memory',
        gateway: gateway?.stats(),
        ingest: ingestStats ?? undefined,
        processor: processor?.stats,
      });
    });
    // Ready = the bus answers and this process is not shutting down (a load balancer stops sending it work).
    app.get('/readyz', (_req, res) => {
      const ready = bus.healthy() && !draining;
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : draining ? 'draining' : 'bus_unavailable' });
    });
    if (roles.includes('ingest')) {
      // Installed in development mode too, so a SIGHUP that adds tenants protects ingest at once.
      ingestAuth = createIngestAuth(() => policy?.tenants ?? null);
      const ingest = createIngestRouter({
        ingest: bus.ingest,
        log: log.child({ component: 'ingest' }),
        maxBodyBytes: config.maxBodyBytes,
        backlog: { maxEntries: config.ingestMaxLen, maxAgeMs: config.ingestMaxAgeMs },
        idempotencyWindowMs: config.idempotencyWindowMs,
        auth: ingestAuth,
      });
      await ingest.start();
      closers.push(() => ingest.close());
      ingestStats = ingest.stats;
      ingestHandler = ingest.handle;
      app.use(ingest.router);
    }
    if (roles.includes('gateway')) {
      gateway = new Gateway({
        broker: bus.broker,
        log: log.child({ component: 'gateway' }),
        heartbeatMs: config.heartbeatMs,
        allowedOrigins: config.allowedOrigins,
        limits: { maxSubscriptions: config.maxSubscriptions, maxBufferedBytes: config.maxBufferedBytes, stallTimeoutMs: config.stallTimeoutMs, maxReplay: config.maxReplay },
        reconnectSpreadMs: config.reconnectSpreadMs,
        policy,
        instanceLimits,
        trustForwardedFor: options.configFile?.limits?.trustForwardedFor ?? false,
        busHealthy: () => bus.healthy(),
        // The processor lag on /admin: the bus' own backlog measure, once a second (on Redis, one pipeline).
        backlog: () => bus.ingest.trimAcknowledged(),
      });
      const g = gateway;
      app.use(createAdminRouter({ prefix: () => g.system.prefix, tokenRequired: () => policy !== null, partitions: bus.ingest.partitions }));
      app.use(createStaticRouter({ demo: config.demo, ingest: roles.includes('ingest') ? 'same-origin' : config.ingestUrl, generator: options.generator ?? false }));
    }
    const gw = gateway;
    const metrics = createMetrics({ bus, gateway: gw ? () => gw.stats() : undefined, gatewayHistograms: gw?.histograms, ingest: ingestStats ?? undefined, processor: processor?.stats });
    addAccessMetrics(metrics, { admission: gw?.admission, sessions: gw ? () => gw.sessionsByTenant() : undefined, ingestAuth: ingestAuth ?? undefined });
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.metrics());
    });
    app.use((req, res) => {
      res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
    });
    // POST /v1/events is the hot path: served before Express' router.
    const fastIngest = ingestHandler;
    // Timeouts are enforced on each check of open connections; check often enough for them to mean what they say.
    // The SSE fallback transport (/sse) is served before Express too: its streams are long-lived.
    const sse = gw ? (req: IncomingMessage, res: ServerResponse) => gw.handleHttp(req, res) : () => false;
    server = createServer({ connectionsCheckingInterval: Math.min(1000, instanceLimits.headersTimeoutMs) }, (req, res) => (fastIngest?.(req, res) ?? false) || sse(req, res) || app(req, res));
    // Slow-loris defences: headers, whole requests and idle keep-alive connections each have a deadline.
    server.headersTimeout = instanceLimits.headersTimeoutMs;
    server.requestTimeout = instanceLimits.requestTimeoutMs;
    server.keepAliveTimeout = instanceLimits.keepAliveTimeoutMs;
    server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      if (gw && path === '/ws' && !config.webSocket) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nWebSockets are switched off on this gateway (RT_WEBSOCKET=false); use the SSE transport at /sse\n');
        return;
      }
      if (gw && path === '/ws') {
        gw.handleUpgrade(req, socket, head);
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nWebSocket endpoint is /ws\n');
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
    } catch (error) {
      // Port taken or not allowed: undo what already started, then say why.
      await gw?.close();
      for (const close of closers) await close().catch(() => {});
      await bus.close();
      throw error;
    }
    const s = server;
    closers.unshift(async () => {
      await gw?.close();
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    });
  }

  if (options.generator) {
    // Five minutes of history, so the demo's charts open full.
    const generator = startGenerator(bus.ingest, { backfillMs: 5 * 60_000 });
    closers.unshift(async () => generator.stop());
  }

  const port = server ? (server.address() as AddressInfo).port : null;
  let closing: Promise<void> | null = null;
  return {
    port,
    bus,
    log,
    reload(file) {
      processor?.setRules(file.rules);
      policy = accessPolicyOf(file);
      instanceLimits = instanceLimitsOf(file);
      gateway?.setPolicy(policy, instanceLimits);
    },
    close() {
      draining = true;
      closing ??= (async () => {
        for (const close of closers) await close().catch((error: Error) => log.warn({ error: error.message }, 'error during shutdown'));
        await bus.close();
      })();
      return closing;
    },
  };
}

/**
 * Starts ingest, processor and gateway in this process over the memory bus
 * (or Redis when `redisUrl` is given): the embedded default, and what tests
 * and the browser test runner use.
 */
export async function startApp(overrides: Partial<Config> & { generator?: boolean } = {}): Promise<RunningApp> {
  const { generator, ...rest } = overrides;
  const config: Config = { ...DEFAULTS, logLevel: 'warn', ...rest };
  return startServices({ config, roles: ['ingest', 'processor', 'gateway'], generator: generator ?? false });
}
