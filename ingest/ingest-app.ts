/**
 * The ingest HTTP API: `POST /v1/events` validates producer events and
 * appends them to the ingest stream in one pipelined batch. A request is
 * all-or-nothing: if any event is invalid, none is appended and the answer
 * names each invalid item. A request with events for a partition whose
 * unprocessed backlog is over its bound is refused whole with 503 and
 * Retry-After; requests for other partitions go on (see BacklogGuard).
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { checkEvent, type IngestEvent, type IngestLog } from '../bus/index.js';
import { BacklogGuard, type BacklogBounds, type BacklogStats } from './backlog-guard.js';
import { bodyFormat, parseBody } from './parse-body.js';

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
}

/** Seconds a producer is asked to wait (Retry-After) when a partition's backlog is full. */
export const BACKLOG_RETRY_AFTER_S = 1;

/** The ingest API: its router, counters, and the backlog guard's lifecycle. */
export interface IngestService {
  router: Router;
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

/** Most per-item errors listed in one answer. */
const MAX_LISTED_ERRORS = 100;

function problem(res: Response, status: number, error: string, message: string, extra: object = {}): void {
  res.status(status).json({ error, message, ...extra });
}

/** Builds the router for `/v1/events` and the stats it counts into. */
export function createIngestRouter(options: IngestOptions): IngestService {
  const { ingest, log } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxEvents = options.maxEvents ?? 10_000;
  const guard = new BacklogGuard(ingest, { maxEntries: options.backlog?.maxEntries ?? 100_000, maxAgeMs: options.backlog?.maxAgeMs ?? 600_000 }, log, options.backlogPollMs);
  const stats: IngestStats = { requests: 0, accepted: 0, rejected: 0, backlog: guard.stats };
  const router = express.Router();

  router.post(
    '/v1/events',
    (req, res, next) => {
      stats.requests++;
      if (bodyFormat(req.headers['content-type']) === null) {
        stats.rejected++;
        problem(res, 415, 'unsupported_media_type', `Content-Type "${req.headers['content-type']}" is not accepted; use application/json or application/x-ndjson`);
        return;
      }
      next();
    },
    express.text({ type: () => true, limit: maxBodyBytes, defaultCharset: 'utf-8' }),
    async (req: Request, res: Response) => {
      const format = bodyFormat(req.headers['content-type'])!;
      const text = typeof req.body === 'string' ? req.body : '';
      if (text.trim() === '') {
        stats.rejected++;
        return problem(res, 400, 'empty_body', 'body is empty; send an event object, an array of events, or NDJSON');
      }
      const parsed = parseBody(text, format);
      if (!parsed.ok) {
        stats.rejected++;
        return problem(res, parsed.status, parsed.error, parsed.message, parsed.line ? { line: parsed.line } : {});
      }
      if (parsed.items.length === 0) {
        stats.rejected++;
        return problem(res, 400, 'no_events', 'the array holds no events');
      }
      if (parsed.items.length > maxEvents) {
        stats.rejected++;
        return problem(res, 413, 'too_many_events', `${parsed.items.length} events in one request; at most ${maxEvents}`);
      }
      const now = Date.now();
      const events: IngestEvent[] = [];
      const errors: { index: number; message: string }[] = [];
      parsed.items.forEach((item, index) => {
        const check = checkEvent(item, now);
        if (check.ok) events.push(check.event);
        else errors.push({ index, message: check.problem });
      });
      if (errors.length > 0) {
        stats.rejected++;
        const message = parsed.single ? `invalid event: ${errors[0].message}` : `${errors.length} of ${parsed.items.length} events are invalid; none was accepted`;
        return problem(res, 400, 'invalid_events', message, { items: errors.slice(0, MAX_LISTED_ERRORS) });
      }
      const perPartition = new Map<number, number>();
      for (const event of events) {
        const partition = ingest.partitionOf(event.topic);
        perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
      }
      const full = [...perPartition.keys()].filter((p) => guard.refuses(p)).sort((a, b) => a - b);
      if (full.length > 0) {
        stats.rejected++;
        for (const p of full) guard.refused(p, perPartition.get(p)!);
        res.setHeader('Retry-After', String(BACKLOG_RETRY_AFTER_S));
        return problem(res, 503, 'backlog_full', `the unprocessed backlog of ingest partition${full.length > 1 ? 's' : ''} ${full.join(', ')} is over its bound; nothing was accepted, retry after ${BACKLOG_RETRY_AFTER_S} s`, {
          partitions: full,
          topics: [...new Set(events.filter((e) => full.includes(ingest.partitionOf(e.topic))).map((e) => e.topic))].slice(0, MAX_LISTED_ERRORS),
        });
      }
      try {
        await ingest.append(events);
      } catch (error) {
        stats.rejected++;
        log.error({ error: (error as Error).message }, 'append to the ingest stream failed');
        return problem(res, 503, 'unavailable', 'the ingest stream is unavailable; retry later');
      }
      for (const [p, n] of perPartition) guard.appended(p, n);
      stats.accepted += events.length;
      res.status(202).json({ accepted: events.length });
    },
  );

  const onError: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    stats.rejected++;
    if (error?.type === 'entity.too.large') {
      return problem(res, 413, 'body_too_large', `body is larger than ${maxBodyBytes} bytes`);
    }
    if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      return problem(res, 415, 'unsupported_encoding', String(error.message));
    }
    if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      return problem(res, error.status, 'bad_request', String(error.message));
    }
    log.error({ error: String(error?.message ?? error), path: req.path }, 'ingest request failed');
    return problem(res, 500, 'internal', 'internal error');
  };
  router.use(onError);
  return { router, stats, start: () => guard.start(), close: () => guard.stop() };
}
