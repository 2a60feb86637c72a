/**
 * What the connection needs of a socket, whichever transport carries it, and
 * the transport choices. Kept apart from the SSE transport itself
 * (sse-socket.ts), whose code is loaded only when a connection falls back to it.
 */

/** What the connection needs of a socket, whichever transport it is. */
export interface TransportSocket {
  readonly readyState: number;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(text: string): void;
  close(code?: number): void;
}

/** Which transport a connection uses: `auto` tries WebSocket first and falls back to SSE. */
export type TransportChoice = 'auto' | 'websocket' | 'sse';

/** The transports `transport` accepts. */
export const TRANSPORTS: readonly TransportChoice[] = ['auto', 'websocket', 'sse'];
