/**
 * The ingest HTTP API: `POST /v1/events` validates producer events and
 * appends them to the ingest stream in one pipelined batch. A request is
 * all-or-nothing: if any event is invalid, none is appended and the answer
 * names each invalid item.
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { checkEvent, type IngestEvent, type IngestLog } from '../bus/index.js';
import type { IngestAuth } from './ingest-auth.js';
import { bodyFormat, parseBody } from './parse-body.js';

export interface IngestLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface IngestOptions {
  /** Where accepted events go. */
  ingest: Pick<IngestLog, 'append'>;
  log: IngestLogger;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most events in one request (default 10 000). */
  maxEvents?: number;
  /** Ingest keys (with tenants configured); absent = development mode, open. */
  auth?: IngestAuth;
}

/** Counters exposed on /healthz and as metrics. */
export interface IngestStats {
  requests: number;
  accepted: number;
  rejected: number;
}

/** Most per-item errors listed in one answer. */
const MAX_LISTED_ERRORS = 100;

function problem(res: Response, status: number, error: string, message: string, extra: object = {}): void {
  res.status(status).json({ error, message, ...extra });
}

/** Builds the router for `/v1/events` and the stats it counts into. */
export function createIngestRouter(options: IngestOptions): { router: Router; stats: IngestStats } {
  const { ingest, log } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxEvents = options.maxEvents ?? 10_000;
  const stats: IngestStats = { requests: 0, accepted: 0, rejected: 0 };
  const router = express.Router();

  const noAuth: express.RequestHandler = (_req, _res, next) => next();
  router.post(
    '/v1/events',
    options.auth?.check ?? noAuth,
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
      const outside = options.auth?.outside(res, events.map((e) => e.topic)) ?? [];
      if (outside.length > 0) {
        stats.rejected++;
        const message = parsed.single ? outside[0].message : `${outside.length} of ${parsed.items.length} events are outside this key's namespace; none was accepted`;
        return problem(res, 403, 'forbidden_topic', message, { items: outside.slice(0, MAX_LISTED_ERRORS) });
      }
      try {
        await ingest.append(events);
      } catch (error) {
        stats.rejected++;
        log.error({ error: (error as Error).message }, 'append to the ingest stream failed');
        return problem(res, 503, 'unavailable', 'the ingest stream is unavailable; retry later');
      }
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
  return { router, stats };
}
