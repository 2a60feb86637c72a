/**
 * A small producer client for rt's ingest API (Node 18+, or any runtime with
 * `fetch`): `publish()` one event, `publishBatch()` many. Every call carries
 * an `Idempotency-Key` (generated, or yours), kept across its retries, so a
 * retry after a lost answer appends nothing twice. Retries follow
 * `Retry-After` on 503 (backlog full, ingest unavailable) and 429, back off
 * exponentially with jitter on network errors and 502/504, and give up after
 * `maxAttempts` with a `ProducerError` carrying the last code. Other 4xx are
 * not retried: the request itself is wrong.
 *
 *   import { Producer } from 'rt-dashboard/producer';
 *   const rt = new Producer({ url: 'http://localhost:8080' });
 *   await rt.publish({ topic: 'cpu.api', value: 42.5 });
 *   await rt.publishBatch(events); // split into requests of 1 000
 */
import { randomUUID } from 'node:crypto';

/** An event as ingest takes it (see docs/ingest.md). */
export interface ProducerEvent {
  topic: string;
  value?: number;
  data?: Record<string, unknown>;
  /** Event time, epoch ms (default: when ingest receives it). */
  ts?: number;
  /** Your id for this event: ingest appends an id once per topic within its window. */
  id?: string;
}

export interface ProducerOptions {
  /** Base URL of an ingest process, e.g. http://localhost:8080. */
  url: string;
  /** Attempts per request before giving up (default 6). */
  maxAttempts?: number;
  /** First backoff after a network error or 502/504, in ms; doubles each time (default 200). */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included, in ms (default 30 000). */
  maxDelayMs?: number;
  /** Deadline of one HTTP attempt, in ms (default 10 000). */
  timeoutMs?: number;
  /** Events per request in publishBatch (default 1 000, at most ingest's limit of 10 000). */
  batchSize?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

export interface PublishOptions {
  /** Idempotency key of the call (default: a random UUID). Reuse it when you retry the call yourself. */
  idempotencyKey?: string;
}

export interface PublishResult {
  /** Events appended by this call. */
  accepted: number;
  /** Events skipped as already appended (a retry of an earlier attempt or call). */
  duplicates: number;
  /** HTTP attempts made, over all requests of the call. */
  attempts: number;
}

/** A publish that did not succeed: `code` is ingest's error code, or `network` / `timeout`. */
export class ProducerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status of the last answer, when there was one. */
    readonly status: number | null,
    /** The answer's body (error details such as `items`), when there was one. */
    readonly body: Record<string, unknown> | null,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'ProducerError';
  }
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or null. */
function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class Producer {
  private readonly endpoint: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly fetch: typeof fetch;

  constructor(options: ProducerOptions) {
    this.endpoint = new URL('/v1/events', options.url).toString();
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.batchSize = Math.min(10_000, Math.max(1, options.batchSize ?? 1000));
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Publishes one event. */
  publish(event: ProducerEvent, options: PublishOptions = {}): Promise<PublishResult> {
    return this.send(JSON.stringify(event), 'application/json', options.idempotencyKey ?? randomUUID());
  }

  /**
   * Publishes events in requests of `batchSize`, one after another, each
   * with its own key derived from the call's (`<key>.<n>`), so retrying the
   * whole call with the same key appends nothing twice.
   */
  async publishBatch(events: readonly ProducerEvent[], options: PublishOptions = {}): Promise<PublishResult> {
    const key = options.idempotencyKey ?? randomUUID();
    const total: PublishResult = { accepted: 0, duplicates: 0, attempts: 0 };
    for (let start = 0, n = 0; start < events.length; start += this.batchSize, n++) {
      const chunk = events.slice(start, start + this.batchSize);
      const body = chunk.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const result = await this.send(body, 'application/x-ndjson', `${key}.${n}`);
      total.accepted += result.accepted;
      total.duplicates += result.duplicates;
      total.attempts += result.attempts;
    }
    return total;
  }

  private async send(body: string, contentType: string, key: string): Promise<PublishResult> {
    let last: ProducerError | null = null;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let wait: number;
      try {
        const res = await this.fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': contentType, 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        let answer: Record<string, unknown> | null = null;
        try {
          answer = JSON.parse(text) as Record<string, unknown>;
        } catch {
          answer = null;
        }
        if (res.status === 202) {
          return { accepted: Number(answer?.accepted ?? 0), duplicates: Number(answer?.duplicates ?? 0), attempts: attempt };
        }
        const code = typeof answer?.error === 'string' ? answer.error : `http_${res.status}`;
        const message = typeof answer?.message === 'string' ? answer.message : `ingest answered ${res.status}`;
        last = new ProducerError(code, message, res.status, answer, attempt);
        if (!RETRIED_STATUSES.has(res.status)) throw last;
        wait = retryAfterMs(res.headers.get('retry-after'), Date.now()) ?? this.backoff(attempt);
      } catch (error) {
        if (error instanceof ProducerError) throw error;
        const timeout = (error as Error).name === 'TimeoutError';
        last = new ProducerError(timeout ? 'timeout' : 'network', `${timeout ? 'no answer within' : 'request failed:'} ${timeout ? `${this.timeoutMs} ms` : (error as Error).message}`, null, null, attempt);
        wait = this.backoff(attempt);
      }
      if (attempt < this.maxAttempts) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, this.maxDelayMs)));
    }
    throw new ProducerError(last!.code, `gave up after ${this.maxAttempts} attempts: ${last!.message}`, last!.status, last!.body, this.maxAttempts);
  }

  /** Exponential backoff with full jitter. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
  }
}
