/**
 * The ingest HTTP API: `POST /v1/events` validates producer events and
 * appends them to the ingest log (group-committed with the other requests of
 * the same event-loop turn; NDJSON parsed as it arrives). A request is
 * all-or-nothing: if any event is invalid, none is appended and the answer
 * names each invalid item. A request with events for a partition whose
 * unprocessed backlog is over its bound is refused whole with 503 and
 * Retry-After; requests for other partitions go on (see BacklogGuard). An
 * `Idempotency-Key` header or event `id`s make a retry append nothing twice
 * within the idempotency window (docs/ingest.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import { checkEvent, IDEMPOTENCY_WINDOW_MS, idempotencyKeyProblem, type IngestEvent, type IngestLog } from '../bus/index.js';
import type { IngestAuth } from './ingest-auth.js';
import { BacklogGuard, type BacklogBounds, type BacklogStats } from './backlog-guard.js';
import { bodyFormat, NdjsonParser, parseJson, type ParsedBody } from './parse-body.js';
import { openApiDocument } from './openapi.js';
import { BodyError, readBodyText } from './request-body.js';

export interface IngestLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface IngestOptions {
  /** Where accepted events go. */
  ingest: Pick<IngestLog, 'append' | 'partitions' | 'partitionOf' | 'trimAcknowledged'>;
  log: IngestLogger;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most events in one request (default 10 000). */
  maxEvents?: number;
  /** Backlog bounds past which a partition's events are refused with 503 (default 100 000 entries, 10 minutes). */
  backlog?: Partial<BacklogBounds>;
  /** How often the backlog is trimmed and measured, in ms (default 200). */
  backlogPollMs?: number;
  /** How long an Idempotency-Key or event id is remembered, in ms (default 300 000). */
  idempotencyWindowMs?: number;
  /** Ingest keys (with tenants configured); absent or without tenants = development mode, open. */
  auth?: IngestAuth;
}

/** Seconds a producer is asked to wait (Retry-After) when a partition's backlog is full. */
export const BACKLOG_RETRY_AFTER_S = 1;

/** The ingest API: its router, counters, and the backlog guard's lifecycle. */
export interface IngestService {
  /** Express router serving `POST /v1/events`. */
  router: Router;
  /**
   * The same endpoint for a plain Node HTTP server: serves the request and
   * returns true when it is `POST /v1/events`, else returns false. A server
   * can call it before Express to spare the hot path the router's work.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  stats: IngestStats;
  /** Measures the backlog once and starts polling it; call before serving. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Counters exposed on /healthz and as metrics. */
export interface IngestStats {
  requests: number;
  accepted: number;
  rejected: number;
  backlog: BacklogStats;
}

/** The admission of a request when no key check is configured. */
const OPEN = { ok: true, tenant: null } as const;

/** Most per-item errors listed in one answer. */
const MAX_LISTED_ERRORS = 100;

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function problem(res: ServerResponse, status: number, error: string, message: string, extra: object = {}): void {
  send(res, status, JSON.stringify({ error, message, ...extra }));
}

/** The 202 answer, written without Express' send machinery (no ETag, no content negotiation). */
function accepted(res: ServerResponse, count: number, duplicates: number): void {
  send(res, 202, duplicates > 0 ? `{"accepted":${count},"duplicates":${duplicates}}` : `{"accepted":${count}}`);
}

/** True for `/v1/events`, with or without a query string. */
function isEventsPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/v1/events') && (url.length === 10 || url[10] === '?');
}

/** Builds the router for `/v1/events` and the stats it counts into. */
export function createIngestRouter(options: IngestOptions): IngestService {
  const { ingest, log } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxEvents = options.maxEvents ?? 10_000;
  const windowMs = options.idempotencyWindowMs ?? IDEMPOTENCY_WINDOW_MS;
  const guard = new BacklogGuard(ingest, { maxEntries: options.backlog?.maxEntries ?? 100_000, maxAgeMs: options.backlog?.maxAgeMs ?? 600_000 }, log, options.backlogPollMs);
  const stats: IngestStats = { requests: 0, accepted: 0, rejected: 0, backlog: guard.stats };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const refuse = (status: number, error: string, message: string, extra: object = {}): void => {
      stats.rejected++;
      problem(res, status, error, message, extra);
    };
    // The key is checked before the body is read: an unknown producer costs no parsing.
    const admission = options.auth?.admit(req.headers) ?? OPEN;
    if (!admission.ok) {
      for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
      // The body is not read: close the connection rather than leave it unread on a keep-alive socket.
      res.setHeader('Connection', 'close');
      return refuse(admission.status, admission.error, admission.message);
    }
    const format = bodyFormat(req.headers['content-type']);
    if (format === null) {
      return refuse(415, 'unsupported_media_type', `Content-Type "${req.headers['content-type']}" is not accepted; use application/json or application/x-ndjson`);
    }
    const requestKey = req.headers['idempotency-key'];
    if (requestKey !== undefined) {
      const keyProblem = idempotencyKeyProblem(requestKey);
      if (keyProblem) return refuse(400, 'bad_idempotency_key', `Idempotency-Key ${keyProblem}`);
    }

    // The tenant's own request timeout, on top of the server's (which bounds every request, keyed or not).
    const timeoutMs = admission.tenant?.limits.requestTimeoutMs ?? null;
    let timedOut = false;
    const timer = timeoutMs === null ? null : setTimeout(() => {
      timedOut = true;
      stats.rejected++;
      log.warn({ tenant: admission.tenant!.id, timeoutMs }, 'ingest request body not received within the tenant\'s request timeout');
      res.setHeader('Connection', 'close');
      problem(res, 408, 'request_timeout', `the request body did not arrive within ${timeoutMs} ms`);
      // Stop reading a body that takes too long: the answer is flushed first, then the socket goes.
      res.once('finish', () => req.socket.destroy());
    }, timeoutMs);
    let parsed: ParsedBody;
    try {
      if (format === 'ndjson') {
        const parser = new NdjsonParser(maxEvents);
        await readBodyText(req, maxBodyBytes, (text) => parser.push(text));
        parsed = parser.end();
        if (parsed.ok && parsed.items.length === 0) return refuse(400, 'empty_body', 'body is empty; send an event object, an array of events, or NDJSON');
      } else {
        const chunks: string[] = [];
        await readBodyText(req, maxBodyBytes, (text) => chunks.push(text));
        const text = chunks.length === 1 ? chunks[0] : chunks.join('');
        if (text.trim() === '') return refuse(400, 'empty_body', 'body is empty; send an event object, an array of events, or NDJSON');
        parsed = parseJson(text);
      }
    } catch (error) {
      if (timedOut) return;
      if (error instanceof BodyError) return refuse(error.problem.status, error.problem.error, error.problem.message);
      // The client went away or the socket failed mid-body: nobody to answer.
      stats.rejected++;
      log.warn({ error: (error as Error).message }, 'ingest request body could not be read');
      if (!res.headersSent) res.destroy();
      return;
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (timedOut) return;
    if (!parsed.ok) return refuse(parsed.status, parsed.error, parsed.message, parsed.line ? { line: parsed.line } : {});
    const { items } = parsed;
    if (items.length === 0) return refuse(400, 'no_events', 'the array holds no events');
    if (items.length > maxEvents) return refuse(413, 'too_many_events', `${items.length} events in one request; at most ${maxEvents}`);

    const now = Date.now();
    const events: IngestEvent[] = new Array(items.length);
    let eventIds: (string | undefined)[] | undefined;
    let errors: { index: number; message: string }[] | null = null;
    for (let index = 0; index < items.length; index++) {
      const check = checkEvent(items[index], now);
      if (!check.ok) {
        (errors ??= []).push({ index, message: check.problem });
        continue;
      }
      events[index] = check.event;
      if (check.id !== undefined) (eventIds ??= new Array(items.length))[index] = check.id;
    }
    if (errors) {
      const message = parsed.single ? `invalid event: ${errors[0].message}` : `${errors.length} of ${items.length} events are invalid; none was accepted`;
      return refuse(400, 'invalid_events', message, { items: errors.slice(0, MAX_LISTED_ERRORS) });
    }

    const outside = options.auth?.outside(admission.tenant, events.map((e) => e.topic)) ?? [];
    if (outside.length > 0) {
      const message = parsed.single ? outside[0].message : `${outside.length} of ${items.length} events are outside this key's namespace; none was accepted`;
      return refuse(403, 'forbidden_topic', message, { items: outside.slice(0, MAX_LISTED_ERRORS) });
    }

    const perPartition = new Map<number, number>();
    for (const event of events) {
      const partition = ingest.partitionOf(event.topic);
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
    }
    const full = [...perPartition.keys()].filter((p) => guard.refuses(p)).sort((a, b) => a - b);
    if (full.length > 0) {
      for (const p of full) guard.refused(p, perPartition.get(p)!);
      res.setHeader('Retry-After', String(BACKLOG_RETRY_AFTER_S));
      return refuse(503, 'backlog_full', `the unprocessed backlog of ingest partition${full.length > 1 ? 's' : ''} ${full.join(', ')} is over its bound; nothing was accepted, retry after ${BACKLOG_RETRY_AFTER_S} s`, {
        partitions: full,
        topics: [...new Set(events.filter((e) => full.includes(ingest.partitionOf(e.topic))).map((e) => e.topic))].slice(0, MAX_LISTED_ERRORS),
      });
    }
    let ids: (string | null)[];
    try {
      ids = await ingest.append(events, { requestKey: requestKey as string | undefined, eventIds, windowMs });
    } catch (error) {
      log.error({ error: (error as Error).message }, 'append to the ingest stream failed');
      res.setHeader('Retry-After', '1');
      return refuse(503, 'unavailable', 'the ingest stream is unavailable; retry later (with the same Idempotency-Key or event ids, a retry cannot append twice)');
    }
    let appended = 0;
    for (const id of ids) if (id !== null) appended++;
    for (const [p, n] of perPartition) guard.appended(p, n);
    stats.accepted += appended;
    accepted(res, appended, ids.length - appended);
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || !isEventsPath(req.url)) return false;
    serve(req, res).catch((error: Error) => {
      stats.rejected++;
      log.error({ error: String(error?.message ?? error) }, 'ingest request failed');
      if (!res.headersSent) problem(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
    return true;
  }

  const router = express.Router();
  router.post('/v1/events', (req, res) => void handle(req, res));
  const openApi = JSON.stringify(openApiDocument({ maxBodyBytes, maxEvents, idempotencyWindowMs: windowMs }));
  router.get('/v1/openapi.json', (_req, res) => send(res, 200, openApi));
  return { router, handle, stats, start: () => guard.start(), close: () => guard.stop() };
}
