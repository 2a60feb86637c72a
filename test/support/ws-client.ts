/**
 * A protocol-level WebSocket test client: records every frame, keeps the
 * last id per topic, and waits on conditions with a deadline.
 */
import WebSocket from 'ws';
import type { Message, ServerFrame } from '../../protocol/index.js';

export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      if (frame.op === 'msgs') this.messages.push(...frame.msgs);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.until(() => client.frames.some((f) => f.op === 'hello'));
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Messages of one topic, in arrival order. */
  of(topic: string): Message[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  frameOf<Op extends ServerFrame['op']>(op: Op): Extract<ServerFrame, { op: Op }>[] {
    return this.frames.filter((f) => f.op === op) as Extract<ServerFrame, { op: Op }>[];
  }

  async until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `predicate` until it holds or the deadline passes. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
