/**
 * The fallback transport's HTTP endpoints, for networks where WebSockets
 * cannot open (proxies that refuse the upgrade):
 *
 * - `GET /sse` opens a Server-Sent Events stream. Its first event,
 *   `event: stream`, carries an unguessable stream id; then come the same
 *   protocol frames a WebSocket gets (`hello` first), one per `data:` event;
 *   a close is an `event: close` with `{"code","reason"}`.
 * - `POST /sse/<id>` carries one client frame (`sub`, `unsub`, `ping`…) as
 *   its body, validated exactly like a WebSocket text frame: its answer and
 *   any `error` frame arrive on the stream, in order with the messages. The
 *   HTTP answer is 204, or an error with a code when the POST itself is
 *   unusable (unknown stream, too large, wrong content type, origin).
 *
 * `GET /sse` is admitted exactly like a WebSocket upgrade (origin
 * allowlist or tenants, connection limits); a POST must come from the
 * origin that opened its stream, with CORS for it. See docs/protocol.md.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_CLIENT_FRAME_BYTES } from '../protocol/index.js';
import type { AdmissionResult, Ticket } from './admission.js';
import { Session, type SessionContext } from './session.js';
import { SseStream } from './sse-stream.js';

/** Path of the stream; POSTs go to `<path>/<id>`. */
export const SSE_PATH = '/sse';

/** Codes of the HTTP errors of the SSE endpoints, in `{ "error": code, "message" }` bodies. */
export const SseErrorCode = {
  /** A POST from another origin than the one that opened the stream (403). */
  OriginMismatch: 'origin_mismatch',
  /** No open stream has this id: it ended, or never existed (404). */
  UnknownStream: 'unknown_stream',
  /** The body is larger than one client frame may be (413). */
  TooLarge: 'too_large',
  /** The body is not `text/plain` or `application/json` (415). */
  UnsupportedMediaType: 'unsupported_media_type',
  /** Wrong method for the path (405). */
  MethodNotAllowed: 'method_not_allowed',
} as const;

export interface SseEndpointOptions {
  context: SessionContext;
  /** Admits a new stream as a WebSocket upgrade would be (origin, tenants, connection limits). */
  admit(req: IncomingMessage): AdmissionResult;
  /** Gives a new session what a WebSocket session gets: access (tenants, tokens) and its frame-rate guard. */
  equip(session: Session, stream: SseStream, ticket: Ticket): void;
  /** The `hello` frame a new connection gets. */
  hello(): string;
  log: SessionContext['log'];
}

interface OpenStream {
  stream: SseStream;
  session: Session;
  /** The `Origin` that opened the stream; its POSTs must carry the same. */
  origin: string | undefined;
}

const STREAM_ID = /^[A-Za-z0-9_-]{24}$/;

export class SseEndpoint {
  private readonly streams = new Map<string, OpenStream>();

  constructor(private readonly options: SseEndpointOptions) {}

  /** Open streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Serves a request if its path is the SSE endpoint's; false when it is not. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '').split('?')[0];
    if (path !== SSE_PATH && !path.startsWith(`${SSE_PATH}/`)) return false;
    if (path === SSE_PATH) {
      if (req.method === 'GET') this.open(req, res);
      else fail(res, 405, SseErrorCode.MethodNotAllowed, `${SSE_PATH} takes GET; frames are POSTed to ${SSE_PATH}/<stream id>`);
      return true;
    }
    const id = path.slice(SSE_PATH.length + 1);
    const open = STREAM_ID.test(id) ? this.streams.get(id) : undefined;
    const origin = req.headers.origin;
    if (open && !sameOrigin(origin, open.origin, req.headers.host)) {
      req.resume();
      this.options.log.warn({ origin, streamOrigin: open.origin }, 'refused SSE POST from another origin than the stream\'s');
      fail(res, 403, SseErrorCode.OriginMismatch, 'frames must come from the origin that opened the stream');
      return true;
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'content-type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return true;
    }
    if (req.method !== 'POST') {
      fail(res, 405, SseErrorCode.MethodNotAllowed, `${SSE_PATH}/<stream id> takes POST`);
      return true;
    }
    this.post(id, open, req, res);
    return true;
  }

  /** Closes every stream with a code and reason (shutdown, lost feed). */
  closeAll(code: number, reason: string): void {
    for (const { stream, session } of this.streams.values()) {
      session.close();
      stream.close(code, reason);
    }
    this.streams.clear();
  }

  /** Closes with 4008 each stream whose client accepted no byte of its unsent data for `limitMs` (see Session.stalledFor). */
  sweepStalled(now: number, limitMs: number): void {
    const guard = this.options.context.guard;
    for (const { session } of [...this.streams.values()]) {
      // A stream idle long enough to refill its frame-rate bucket holds none.
      guard?.refilled(session, now);
      const stalled = session.stalledFor(now);
      if (stalled >= limitMs) session.closeStalled(stalled);
    }
  }

  /** Writes a keepalive comment to every stream. */
  keepalive(): void {
    for (const { stream } of this.streams.values()) stream.keepalive();
  }

  private open(req: IncomingMessage, res: ServerResponse): void {
    const admitted = this.options.admit(req);
    if (!admitted.ok) {
      const { status, reason, message } = admitted;
      this.options.log.warn({ origin: req.headers.origin, reason }, `refused SSE stream: ${message}`);
      if (status !== 403) res.setHeader('Retry-After', '1');
      fail(res, status, reason, message);
      return;
    }
    const { ticket } = admitted;
    const origin = req.headers.origin;
    const id = randomBytes(18).toString('base64url');
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`event: stream\ndata: ${id}\n\n`);
    const stream = new SseStream(res, () => {
      ticket.release();
      const open = this.streams.get(id);
      if (open?.stream !== stream) return;
      open.session.close();
      this.streams.delete(id);
    });
    const session = new Session(stream, stream, this.options.context);
    this.options.equip(session, stream, ticket);
    this.streams.set(id, { stream, session, origin });
    stream.send(this.options.hello());
  }

  private post(id: string, open: OpenStream | undefined, req: IncomingMessage, res: ServerResponse): void {
    if (!open) {
      req.resume();
      fail(res, 404, SseErrorCode.UnknownStream, 'no open stream has this id; open a new stream with GET /sse');
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'text/plain' && type !== 'application/json') {
      req.resume();
      fail(res, 415, SseErrorCode.UnsupportedMediaType, 'send one protocol frame as text/plain or application/json');
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_CLIENT_FRAME_BYTES) {
      req.resume();
      fail(res, 413, SseErrorCode.TooLarge, `a frame may be at most ${MAX_CLIENT_FRAME_BYTES} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_CLIENT_FRAME_BYTES) {
        refused = true;
        chunks.length = 0;
        fail(res, 413, SseErrorCode.TooLarge, `a frame may be at most ${MAX_CLIENT_FRAME_BYTES} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      // The stream may have ended while the body arrived.
      const current = this.streams.get(id);
      if (current !== open) {
        fail(res, 404, SseErrorCode.UnknownStream, 'the stream ended; open a new one with GET /sse');
        return;
      }
      open.session.alive = true;
      // Over its rate, a frame is dropped before it is decoded, as on WebSocket.
      if (open.session.admitFrame()) open.session.handleText(Buffer.concat(chunks, size).toString('utf8'));
      res.writeHead(204);
      res.end();
    });
    req.on('error', () => undefined);
  }
}

/**
 * Whether a POST's `Origin` is the stream's. Browsers send no `Origin` on a
 * same-origin GET (the EventSource) but do on every POST, so a stream opened
 * without one takes POSTs from the gateway's own origin (or none).
 */
function sameOrigin(post: string | undefined, stream: string | undefined, host: string | undefined): boolean {
  if (post === stream) return true;
  if (stream !== undefined || post === undefined) return false;
  try {
    return new URL(post).host === host;
  } catch {
    return false;
  }
}

function fail(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', Connection: status === 413 ? 'close' : 'keep-alive' });
  res.end(JSON.stringify({ error, message }));
}
