/**
 * What a Session needs from its connection, whatever carries it. The
 * WebSocket (a `ws` socket and its raw TCP socket) is one transport; the
 * Server-Sent Events stream (see sse-stream.ts) is the other. Both take the
 * same pre-built WebSocket frames on `frames`, so the fan-out builds a frame
 * once for every recipient, whichever transport it uses.
 */
import type { Writable } from 'node:stream';

/** The control half: text frames sent in order after the data frames, and closing. */
export interface SessionControl {
  /** 1 while frames can be sent (WebSocket.OPEN). */
  readonly readyState: number;
  /** Sends one text frame after everything already written. */
  send(text: string): void;
  /** Ends the connection with a close code and reason. */
  close(code?: number, reason?: string): void;
  /** A transport-level heartbeat (WebSocket ping); SSE streams have none and keep alive with comments. */
  ping?(): void;
  /** Stops reading from the client (a flooder; see FrameRateGuard). */
  pause(): void;
  /** Drops the connection at once. */
  terminate(): void;
}

/**
 * The data half: a byte stream taking whole pre-built, unmasked WebSocket
 * text frames (see ws-frame.ts). Its `writableLength` is what the
 * slow-consumer bound measures; `bytesWritten − writableLength` growing is
 * how the session sees a client still reading (the stall rule, 4008).
 */
export type SessionFrames = Writable & { readonly bytesWritten: number };
