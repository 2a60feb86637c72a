/**
 * The fallback transport, shaped like the part of `WebSocket` the
 * connection uses: for networks where WebSockets cannot open (proxies that
 * refuse the upgrade). Frames from the gateway arrive on a Server-Sent
 * Events stream (`GET /sse`), the same protocol JSON as on the WebSocket;
 * frames to the gateway are POSTed, one per request and in order, to the
 * stream's id (issued in the stream's first event). See docs/protocol.md.
 *
 * EventSource reconnects by itself after an error; that is switched off
 * (the stream is closed at the first error) because a new stream is a new
 * session: the connection resubscribes every topic `since` its last id,
 * exactly as after a dropped WebSocket.
 *
 * Its own lazy chunk: the connection imports this module the first time it
 * falls back, so a page whose WebSocket works never downloads it.
 */

import type { TransportSocket } from './transport.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** Close code reported when the stream broke without a close event (as WebSocket's 1006). */
const ABNORMAL = 1006;

/**
 * The SSE endpoint of the gateway whose WebSocket URL is `wsUrl`: the same
 * host over http(s), `/ws` replaced by `/sse` (or `/sse` appended).
 */
export function sseUrlFor(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = url.pathname.endsWith('/ws') ? `${url.pathname.slice(0, -3)}/sse` : `${url.pathname.replace(/\/$/, '')}/sse`;
  url.search = '';
  url.hash = '';
  return url.href;
}

export class SseSocket implements TransportSocket {
  readyState = CONNECTING;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  private readonly source: EventSource;
  private readonly endpoint: string;
  private streamId = '';
  /** Frames waiting for the POST before them: one request in flight keeps them in order. */
  private readonly outbox: string[] = [];
  private posting = false;

  /** @param url the gateway's WebSocket URL (its SSE endpoint is derived from it) */
  constructor(url: string) {
    this.endpoint = sseUrlFor(url);
    const source = new EventSource(this.endpoint);
    this.source = source;
    source.addEventListener('stream', (event) => {
      this.streamId = String((event as MessageEvent).data);
      this.readyState = OPEN;
    });
    source.onmessage = (event) => {
      if (this.readyState === OPEN) this.onmessage?.(event);
    };
    source.addEventListener('close', (event) => {
      let code = ABNORMAL;
      let reason = '';
      try {
        const parsed = JSON.parse(String((event as MessageEvent).data)) as { code?: unknown; reason?: unknown };
        if (typeof parsed.code === 'number') code = parsed.code;
        if (typeof parsed.reason === 'string') reason = parsed.reason;
      } catch {
        // An unreadable close event is still a close.
      }
      this.finish(code, reason);
    });
    source.onerror = () => this.finish(ABNORMAL, 'event stream broke');
  }

  /** Queues one frame for the gateway; POSTed after the ones before it. */
  send(text: string): void {
    if (this.readyState !== OPEN) throw new Error('rt: the SSE stream is not open');
    this.outbox.push(text);
    if (!this.posting) void this.pump();
  }

  /** Ends the stream; no close event is reported for a close asked for. */
  close(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.outbox.length = 0;
    this.source.close();
  }

  private async pump(): Promise<void> {
    this.posting = true;
    while (this.outbox.length > 0 && this.readyState === OPEN) {
      const body = this.outbox.shift()!;
      try {
        // text/plain keeps the POST a CORS "simple request": no preflight per frame.
        const response = await fetch(`${this.endpoint}/${this.streamId}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
        // The gateway no longer knows the stream: it is over, whatever the stream says.
        if (response.status === 404) this.finish(ABNORMAL, 'stream unknown to the gateway');
        else if (!response.ok) console.warn(`rt: the gateway refused a frame with HTTP ${response.status}: ${await response.text()}`);
      } catch {
        this.finish(ABNORMAL, 'could not reach the gateway');
      }
    }
    this.posting = false;
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.outbox.length = 0;
    this.source.close();
    this.onclose?.(new CloseEvent('close', { code, reason, wasClean: code !== ABNORMAL }));
  }
}
