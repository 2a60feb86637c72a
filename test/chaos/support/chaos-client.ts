/**
 * An independent protocol v1 client for the chaos suite: a raw `ws`
 * connection (not the widgets' connection manager, so the gateway is checked
 * by something that shares none of its assumptions) that reconnects with
 * backoff, resumes every topic with `since` = the last id it received, and
 * records every message, `gap` and `reset` in arrival order for the checker.
 *
 * It detects a silent connection (a blackholed TCP path) by sending an
 * application `ping` every `pingMs` and giving up on the socket when nothing
 * at all arrived for `silenceMs`.
 */
import WebSocket from 'ws';

export type Mark =
  | { kind: 'msg'; id: string; seq: number; at: number }
  | { kind: 'gap'; since: string; next?: string; at: number }
  | { kind: 'reset'; at: number; frame: Record<string, unknown> };

export interface TopicSpec {
  topic: string;
  /** Extra fields of this topic's `sub` entry (e.g. a delivery mode); kept on every resubscribe. */
  extra?: Record<string, unknown>;
  /** On the very first subscribe only, instead of `since: "0-0"`. */
  first?: Record<string, unknown>;
}

export interface ChaosClientOptions {
  url: string | (() => string);
  topics: TopicSpec[];
  pingMs?: number;
  silenceMs?: number;
  /** A connection that has not said hello by then is abandoned. */
  openTimeoutMs?: number;
  headers?: Record<string, string>;
}

export class ChaosClient {
  readonly marks = new Map<string, Mark[]>();
  readonly closes: { code: number; at: number }[] = [];
  /** Connections abandoned because they went silent (no frame for silenceMs). */
  silentDrops = 0;
  connections = 0;
  errors: Record<string, unknown>[] = [];
  private readonly lastId = new Map<string, string>();
  private readonly epochs = new Map<string, unknown>();
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private lastHeard = 0;
  private timer: NodeJS.Timeout | undefined;
  private subscribedOnce = false;
  private readonly retries = new Map<string, number>();
  /** Resolves on the first `subscribed`. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly options: ChaosClientOptions) {
    for (const t of options.topics) this.marks.set(t.topic, []);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.connect();
  }

  private get url(): string {
    return typeof this.options.url === 'function' ? this.options.url() : this.options.url;
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url, { headers: this.options.headers, maxPayload: 0 });
    this.ws = ws;
    this.connections++;
    this.lastHeard = Date.now();
    let hello = false;
    const openTimeout = this.options.openTimeoutMs ?? 3000;
    const pingMs = this.options.pingMs ?? 500;
    const silenceMs = this.options.silenceMs ?? 3000;
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const quiet = Date.now() - this.lastHeard;
      if ((!hello && quiet > openTimeout) || (hello && quiet > silenceMs)) {
        if (hello) this.silentDrops++;
        ws.terminate();
        return;
      }
      if (hello && ws.readyState === WebSocket.OPEN) ws.send('{"op":"ping"}');
    }, pingMs);
    ws.on('message', (data) => {
      this.lastHeard = Date.now();
      this.onFrame(ws, JSON.parse(String(data)) as Record<string, unknown>, () => (hello = true));
    });
    ws.on('error', () => {}); // followed by close
    ws.on('close', (code) => {
      clearInterval(this.timer);
      if (this.ws !== ws) return;
      this.closes.push({ code, at: Date.now() });
      if (this.stopped) return;
      // Exponential backoff from 50 ms to 1 s with full jitter; reset once a connection subscribed.
      const delay = Math.random() * Math.min(1000, 50 * 2 ** this.attempt++);
      setTimeout(() => this.connect(), delay);
    });
  }

  private onFrame(ws: WebSocket, frame: Record<string, unknown>, sawHello: () => void): void {
    const now = Date.now();
    switch (frame.op) {
      case 'hello':
        sawHello();
        ws.send(JSON.stringify({ op: 'sub', ref: 1, topics: this.options.topics.map((t) => this.entry(t)) }));
        break;
      case 'subscribed':
        this.attempt = 0;
        this.retries.clear();
        this.subscribedOnce = true;
        this.markReady();
        break;
      case 'msgs':
        for (const m of frame.msgs as { topic: string; id: string; data?: { seq?: number } }[]) {
          const marks = this.marks.get(m.topic);
          if (!marks) continue;
          marks.push({ kind: 'msg', id: m.id, seq: m.data?.seq ?? Number.NaN, at: now });
          this.lastId.set(m.topic, m.id);
        }
        break;
      case 'gap': {
        const topic = frame.topic as string;
        this.marks.get(topic)?.push({ kind: 'gap', since: frame.since as string, next: frame.next as string | undefined, at: now });
        break;
      }
      case 'reset': {
        // Epochs (history was lost): the frame's exact shape belongs to the epochs work; any
        // `reset` naming a topic is recorded, and an epoch it carries is sent back on resubscribe.
        const topic = frame.topic as string;
        this.marks.get(topic)?.push({ kind: 'reset', at: now, frame });
        if (frame.epoch !== undefined) this.epochs.set(topic, frame.epoch);
        break;
      }
      case 'error':
        this.errors.push(frame);
        // The protocol's answer for a topic the bus could not set up: not held, subscribe again later.
        if (frame.code === 'unavailable' && typeof frame.topic === 'string') this.retry(ws, frame.topic);
        break;
      default:
        break; // pong and frames this client does not know
    }
  }

  /** Resubscribes one topic on the same connection after a short backoff. */
  private retry(ws: WebSocket, topic: string): void {
    const spec = this.options.topics.find((t) => t.topic === topic);
    if (!spec) return;
    const attempt = (this.retries.get(topic) ?? 0) + 1;
    this.retries.set(topic, attempt);
    setTimeout(() => {
      if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op: 'sub', topics: [this.entry(spec)] }));
    }, Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
  }

  private entry(spec: TopicSpec): Record<string, unknown> {
    const since = this.lastId.get(spec.topic);
    const entry: Record<string, unknown> = { topic: spec.topic, ...spec.extra };
    if (since !== undefined) entry.since = since;
    else if (!this.subscribedOnce && spec.first) Object.assign(entry, spec.first);
    else entry.since = '0-0';
    if (since !== undefined && this.epochs.has(spec.topic)) entry.epoch = this.epochs.get(spec.topic);
    return entry;
  }

  /** Sequence numbers received on a topic, in arrival order. */
  seqs(topic: string): number[] {
    return (this.marks.get(topic) ?? []).flatMap((m) => (m.kind === 'msg' ? [m.seq] : []));
  }

  /** Whether the socket is open now. */
  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.terminate();
  }
}
