/**
 * What the protocol test clients (WebSocket and SSE) share: every server
 * frame recorded in order, the messages among them, and waiting on a
 * condition with a deadline.
 */
import type { Message, ServerFrame } from '../../protocol/index.js';

export class FrameRecorder {
  readonly frames: ServerFrame[] = [];
  readonly messages: Message[] = [];

  protected record(frame: ServerFrame): void {
    this.frames.push(frame);
    if (frame.op === 'msgs') this.messages.push(...frame.msgs);
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
}
