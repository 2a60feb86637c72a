/**
 * A scripted stand-in for a WebSocket, for connection tests that need exact
 * control over what the "gateway" says and when. Only the parts the
 * connection uses are implemented.
 */
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, type ServerFrame } from '../../../protocol/index.js';

export class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  private acked = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
    this.readyState = 3;
  }

  /** The gateway accepts the socket and says hello. */
  open(heartbeatMs = 25_000): void {
    this.readyState = 1;
    this.receive({
      op: 'hello',
      v: 1,
      heartbeatMs,
      limits: { maxFrameBytes: 16384, maxSubscriptions: 1000, maxTopicsPerFrame: 100, maxSnapshot: MAX_SNAPSHOT, maxSnapshotMs: MAX_SNAPSHOT_MS },
    });
  }

  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** Acknowledges every `sub` frame sent so far that was not acknowledged yet. */
  ackSubs(epoch?: string): void {
    const unacked = this.sent.slice(this.acked);
    this.acked = this.sent.length;
    for (const frame of unacked) {
      if (frame.op === 'sub') {
        const topics = (frame.topics as { topic: string }[]).map((t) => t.topic);
        if (epoch === undefined) this.receive({ op: 'subscribed', ref: frame.ref as number, topics });
        else this.receive({ op: 'subscribed', ref: frame.ref as number, topics, epochs: topics.map(() => epoch) });
      }
    }
  }

  /** The gateway (or network) drops the connection. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  /** Frames of the given op sent on this socket. */
  frames(op: string): Record<string, unknown>[] {
    return this.sent.filter((frame) => frame.op === op);
  }

  static reset(): void {
    FakeSocket.instances = [];
  }

  static last(): FakeSocket {
    const socket = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }
}
