/**
 * A minimal WebSocket client on a bare TCP socket, for the load generator:
 * the handshake, masked text frames out, and server frames parsed straight
 * from the socket's chunks, handing each text payload over as a slice of the
 * chunk (no copy, no string) so thousands of clients on one core cost little
 * next to the server they measure. Answers pings; no extensions, no
 * fragmentation (servers under test send whole frames).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawWebSocketHandlers {
  /** A whole text frame's payload (valid only during the call), and the socket it came on. */
  text(payload: Buffer, ws: RawWebSocket): void;
  close(): void;
}

const OP_TEXT = 1;
const OP_CLOSE = 8;
const OP_PING = 9;

export class RawWebSocket {
  private pending: Buffer | null = null;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly handlers: RawWebSocketHandlers,
  ) {}

  /** Opens a connection; resolves after the 101 response. */
  static open(url: URL, localAddress: string | null, handlers: RawWebSocketHandlers, timeoutMs = 30_000): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 80), ...(localAddress ? { localAddress } : {}) });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error('handshake timed out')), timeoutMs);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', reject);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          reject(new Error(`handshake refused: ${status}`));
          return;
        }
        const ws = new RawWebSocket(socket, handlers);
        socket.on('data', (data: Buffer) => ws.receive(data));
        socket.on('close', () => ws.ended());
        socket.on('error', () => ws.ended());
        resolve(ws);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) ws.receive(rest);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** Sends a masked text frame. */
  send(text: string): void {
    this.frame(OP_TEXT, Buffer.from(text));
  }

  terminate(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const out = Buffer.allocUnsafe(header + 4 + length);
    out[0] = 0x80 | opcode;
    if (header === 2) out[1] = 0x80 | length;
    else if (header === 4) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(length, 2);
    } else {
      out[1] = 0x80 | 127;
      out.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(out, header);
    for (let i = 0; i < length; i++) out[header + 4 + i] = payload[i] ^ mask[i & 3];
    this.socket.write(out);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close();
  }

  private receive(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at] & 0x0f;
      let length = buf[at + 1] & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        header = 10;
      }
      if (buf.length - at < header + length) break;
      const payload = buf.subarray(at + header, at + header + length);
      at += header + length;
      if (opcode === OP_TEXT) this.handlers.text(payload, this);
      else if (opcode === OP_PING) this.frame(0xa, Buffer.from(payload));
      else if (opcode === OP_CLOSE) {
        this.frame(OP_CLOSE, Buffer.from(payload.subarray(0, 2)));
        this.terminate();
        this.handlers.close();
        return;
      }
    }
    // Copied: the socket may reuse the chunk's memory.
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }
}
