/**
 * Wraps the page's WebSocket so tests can count sockets, read the frames the
 * client sends and receives, drop a connection, and keep new ones from
 * reaching the gateway for a while. Install it before the first socket opens.
 */

/** One socket the page opened, with what went over it. */
export interface SpiedSocket {
  socket: WebSocket;
  url: string;
  sent: Record<string, unknown>[];
  received: Record<string, unknown>[];
}

export interface SocketSpy {
  sockets: SpiedSocket[];
  /** While true, new sockets go to a port nothing listens on, so connecting fails. */
  hold: boolean;
  /** Every client frame sent with `op`, across all sockets. */
  sentFrames(op: string): Record<string, unknown>[];
  /** The socket (to `url`, when given) that is open right now, if any. */
  openSocket(url?: string): SpiedSocket | undefined;
  restore(): void;
}

/** Replaces `window.WebSocket` with a recording subclass. */
export function spyOnWebSocket(): SocketSpy {
  const Original = window.WebSocket;
  const spy: SocketSpy = {
    sockets: [],
    hold: false,
    sentFrames(op) {
      return this.sockets.flatMap((s) => s.sent.filter((frame) => frame.op === op));
    },
    openSocket(url) {
      return this.sockets.find((s) => s.socket.readyState === Original.OPEN && (url === undefined || s.url === url));
    },
    restore() {
      window.WebSocket = Original;
    },
  };
  class SpyWebSocket extends Original {
    constructor(url: string | URL, protocols?: string | string[]) {
      // Nothing listens on this loopback port: a fast, real connection failure.
      super(spy.hold ? 'ws://127.0.0.1:65531/ws' : url, protocols);
      const record: SpiedSocket = { socket: this, url: String(url), sent: [], received: [] };
      spy.sockets.push(record);
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string') record.received.push(JSON.parse(event.data));
      });
      const send = this.send.bind(this);
      this.send = (data: string | ArrayBufferLike | Blob | ArrayBufferView) => {
        if (typeof data === 'string') record.sent.push(JSON.parse(data));
        send(data);
      };
    }
  }
  window.WebSocket = SpyWebSocket;
  return spy;
}
