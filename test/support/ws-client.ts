/**
 * A protocol-level WebSocket test client: records every frame, keeps the
 * last id per topic, and waits on conditions with a deadline.
 */
import WebSocket from 'ws';
import type { ServerFrame } from '../../protocol/index.js';
import { FrameRecorder } from './frame-recorder.js';

export class TestClient extends FrameRecorder {
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => this.record(JSON.parse(String(data)) as ServerFrame));
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
