/**
 * One Server-Sent Events stream seen as a session transport: a Writable that
 * takes the very WebSocket frames a WebSocket session gets (pre-built,
 * unmasked, see ws-frame.ts), strips their header and writes the JSON
 * payload as one SSE `data:` event. Protocol frames are single-line JSON, so
 * one `data:` line carries one frame unchanged.
 *
 * Its `writableLength` counts the frames not yet handed to the HTTP
 * response plus what the response holds, so the slow-consumer bound
 * (`maxBufferedBytes`, close 4008) applies to SSE exactly as to WebSocket.
 * A close is an `event: close` carrying `{"code","reason"}`, then the end of
 * the response.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { SessionControl } from './session-transport.js';
import { encodeTextFrame } from './ws-frame.js';

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const DATA = Buffer.from('data: ');
const END = Buffer.from('\n\n');

/** The payload of one unmasked WebSocket frame (RFC 6455 §5.2). */
function payloadOf(frame: Buffer): Buffer {
  const length7 = frame[1] & 0x7f;
  return frame.subarray(length7 < 126 ? 2 : length7 === 126 ? 4 : 10);
}

/** An SSE event carrying one protocol frame. */
function dataEvent(frame: Buffer): Buffer {
  const payload = payloadOf(frame);
  const event = Buffer.allocUnsafe(DATA.length + payload.length + END.length);
  DATA.copy(event, 0);
  payload.copy(event, DATA.length);
  END.copy(event, DATA.length + payload.length);
  return event;
}

/** Writable's own count of queued bytes, which the instance getter below extends. */
const ownWritableLength = Object.getOwnPropertyDescriptor(Writable.prototype, 'writableLength')!.get!;

export class SseStream extends Writable implements SessionControl {
  readyState = OPEN;
  /** The close event, queued behind the data frames and written raw. */
  private closeEvent: Buffer | null = null;
  /** Frame bytes handed to the response so far. */
  private handed = 0;

  /**
   * @param response the open `text/event-stream` response
   * @param onClosed called once when the stream is over, whoever ended it
   */
  constructor(
    private readonly response: ServerResponse,
    private readonly onClosed: () => void,
  ) {
    // Small: the bound that matters is maxBufferedBytes, checked by the session.
    super({ highWaterMark: 16 * 1024 });
    response.on('close', () => this.finished());
    response.on('error', () => this.finished());
    // A write after the client left is not an error worth a crash.
    this.on('error', () => this.finished());
    // The session reads `writableLength` as the bytes a client has yet to
    // take: frames not yet handed to the response plus what it holds.
    Object.defineProperty(this, 'writableLength', {
      get: () => (ownWritableLength.call(this) as number) + response.writableLength,
    });
  }

  override _write(frame: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.response.destroyed) {
      callback();
      return;
    }
    this.handed += frame.length;
    if (this.response.write(frame === this.closeEvent ? frame : dataEvent(frame))) callback();
    else this.response.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.response.end();
    callback();
  }

  /**
   * Bytes taken so far, counted like a net.Socket's: handed to the response
   * or still queued here. The session's stall rule watches
   * `bytesWritten − writableLength` grow (frame bytes against SSE-encoded
   * bytes: close enough to see whether the client reads at all).
   */
  get bytesWritten(): number {
    return this.handed + (ownWritableLength.call(this) as number);
  }

  /** Sends one protocol text frame after everything already written. */
  send(text: string): void {
    if (this.readyState !== OPEN) return;
    this.write(encodeTextFrame(text));
  }

  /** Writes a comment line: keeps proxies from timing the stream out; clients never see it. */
  keepalive(): void {
    if (this.readyState !== OPEN || this.writableNeedDrain) return;
    this.response.write(': keepalive\n\n');
  }

  /** Ends the stream with an `event: close` naming the code and reason, after what is queued. */
  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    // Through the same queue as data frames, so it arrives after them.
    this.closeEvent = Buffer.from(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.write(this.closeEvent);
    this.end();
    this.finished();
  }

  /** Nothing to pause: frames from the client arrive as separate POSTs (see FrameRateGuard). */
  pause(): void {}

  /** Drops the stream at once (no close event): the client sees a broken stream. */
  terminate(): void {
    this.response.destroy();
    this.finished();
  }

  private finished(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.onClosed();
  }
}
