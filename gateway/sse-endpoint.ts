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
 * Same origin allowlist as `/ws`, with CORS for the POSTs. See
 * docs/protocol.md.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_CLIENT_FRAME_BYTES } from '../protocol/index.js';
import { Session, type SessionContext } from './session.js';
import { SseStream } from './sse-stream.js';

/** Path of the stream; POSTs go to `<path>/<id>`. */
export const SSE_PATH = '/sse';

/** Codes of the HTTP errors of the SSE endpoints, in `{ "error": code, "message" }` bodies. */
export const SseErrorCode = {
  /** The `Origin` is not in the allowlist (403). */
  OriginNotAllowed: 'origin_not_allowed',
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
  originAllowed(origin: string | undefined): boolean;
  /** The `hello` frame a new connection gets. */
  hello(): string;
  log: SessionContext['log'];
}

interface OpenStream {
  stream: SseStream;
  session: Session;
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
    const origin = req.headers.origin;
    if (!this.options.originAllowed(origin)) {
      this.options.log.warn({ origin }, 'refused SSE request from an origin not in the allowlist');
      fail(res, 403, SseErrorCode.OriginNotAllowed, `origin ${String(origin)} is not allowed`);
      return true;
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (path === SSE_PATH) {
      if (req.method === 'GET') this.open(res);
      else fail(res, 405, SseErrorCode.MethodNotAllowed, `${SSE_PATH} takes GET; frames are POSTed to ${SSE_PATH}/<stream id>`);
      return true;
    }
    const id = path.slice(SSE_PATH.length + 1);
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
    this.post(id, req, res);
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

  /** Writes a keepalive comment to every stream. */
  keepalive(): void {
    for (const { stream } of this.streams.values()) stream.keepalive();
  }

  private open(res: ServerResponse): void {
    const id = randomBytes(18).toString('base64url');
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`event: stream\ndata: ${id}\n\n`);
    const stream = new SseStream(res, () => {
      const open = this.streams.get(id);
      if (open?.stream !== stream) return;
      open.session.close();
      this.streams.delete(id);
    });
    const session = new Session(stream, stream, this.options.context);
    this.streams.set(id, { stream, session });
    stream.send(this.options.hello());
  }

  private post(id: string, req: IncomingMessage, res: ServerResponse): void {
    const open = STREAM_ID.test(id) ? this.streams.get(id) : undefined;
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
      open.session.handleText(Buffer.concat(chunks, size).toString('utf8'));
      res.writeHead(204);
      res.end();
    });
    req.on('error', () => undefined);
  }
}

function fail(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', Connection: status === 413 ? 'close' : 'keep-alive' });
  res.end(JSON.stringify({ error, message }));
}
