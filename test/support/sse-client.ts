/**
 * A protocol-level client of the SSE fallback transport over real HTTP:
 * reads the event stream with fetch, records every frame like TestClient,
 * and POSTs client frames to the stream's id.
 */
import type { ServerFrame } from '../../protocol/index.js';
import { FrameRecorder } from './frame-recorder.js';

export class SseTestClient extends FrameRecorder {
  /** The `event: close` the gateway sent, if any. */
  closeEvent: { code: number; reason: string } | null = null;
  /** Resolves when the stream ends, for whatever reason. */
  readonly ended: Promise<void>;
  id = '';
  private readonly controller = new AbortController();
  private buffer = '';

  private constructor(
    readonly base: string,
    response: Response,
    private readonly origin: string | undefined,
  ) {
    super();
    this.ended = this.read(response).catch(() => undefined);
  }

  static async open(base: string, origin?: string): Promise<SseTestClient> {
    const controller = new AbortController();
    const response = await fetch(`${base}/sse`, { headers: origin ? { origin } : {}, signal: controller.signal });
    if (response.status !== 200) throw new Error(`GET /sse answered ${response.status}: ${await response.text()}`);
    const client = new SseTestClient(base, response, origin);
    client.controller.signal.addEventListener('abort', () => controller.abort());
    await client.until(() => client.id !== '' && client.frames.some((f) => f.op === 'hello'), 5000, 'stream id and hello');
    return client;
  }

  /** POSTs one frame (an object is JSON-encoded) to this stream. */
  post(frame: unknown, contentType = 'text/plain', id = this.id): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (this.origin) headers.origin = this.origin;
    return fetch(`${this.base}/sse/${id}`, { method: 'POST', headers, body: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** Drops the stream from the client's side. */
  close(): void {
    this.controller.abort();
  }

  private async read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    this.controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      this.buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        this.event(block);
      }
    }
  }

  private event(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    if (type === 'stream') this.id = text;
    else if (type === 'close') this.closeEvent = JSON.parse(text);
    else {
      const frame = JSON.parse(text) as ServerFrame;
      this.record(frame);
    }
  }
}
