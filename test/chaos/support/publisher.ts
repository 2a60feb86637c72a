/**
 * Publishes numbered sequences, one per topic, through a real ingest process
 * and records which numbers were acknowledged (answered 202). A number whose
 * request failed or was refused is "sent" but not acknowledged: it may or may
 * not arrive, and nobody may be blamed for it missing.
 */
export interface PublisherOptions {
  /** ingest base URL, e.g. http://127.0.0.1:9000 */
  url: string;
  topics: string[];
  /** Requests per second; each carries the next number of every topic. */
  rate: number;
  /** Extra bytes of padding per event (as a string in `data.pad`). */
  padBytes?: number;
}

export class Publisher {
  /** Per topic: numbers sent (1, 2, …) and acknowledged. */
  readonly sent = new Map<string, number>();
  readonly acked = new Map<string, Set<number>>();
  /** When each acknowledged number got its 202 (ms since epoch), per topic. */
  readonly ackedAt = new Map<string, Map<number, number>>();
  refused = 0;
  private next = 1;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: PublisherOptions) {
    for (const topic of options.topics) {
      this.sent.set(topic, 0);
      this.acked.set(topic, new Set());
      this.ackedAt.set(topic, new Map());
    }
  }

  /** Sends one request holding the next `count` numbers of every topic; true when acknowledged. */
  async publishOnce(count = 1): Promise<boolean> {
    const seqs = Array.from({ length: count }, () => this.next++);
    const pad = this.options.padBytes ? 'x'.repeat(this.options.padBytes) : undefined;
    const events = seqs.flatMap((seq) => this.options.topics.map((topic) => ({ topic, data: pad === undefined ? { seq } : { seq, pad } })));
    for (const topic of this.options.topics) this.sent.set(topic, seqs[seqs.length - 1]);
    let ok = false;
    try {
      const res = await fetch(`${this.options.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      ok = res.status === 202;
    } catch {
      ok = false; // connection refused, reset or timed out: unknown, so not acknowledged
    }
    if (!ok) {
      this.refused++;
      return false;
    }
    const at = Date.now();
    for (const topic of this.options.topics) {
      for (const seq of seqs) {
        this.acked.get(topic)!.add(seq);
        this.ackedAt.get(topic)!.set(seq, at);
      }
    }
    return true;
  }

  /** Publishes at the configured rate until `stop()`. */
  start(): void {
    this.running = true;
    const interval = 1000 / this.options.rate;
    this.loop = (async () => {
      let due = Date.now();
      while (this.running) {
        await this.publishOnce();
        due += interval;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else due = Date.now(); // behind (ingest slow or down): do not burst to catch up
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Largest acknowledged number of a topic (0 if none). */
  lastAcked(topic: string): number {
    let max = 0;
    for (const n of this.acked.get(topic) ?? []) if (n > max) max = n;
    return max;
  }

  /** The first number acknowledged at or after `at`, per topic. */
  firstAckedAfter(topic: string, at: number): number | undefined {
    let first: number | undefined;
    for (const [n, t] of this.ackedAt.get(topic) ?? []) if (t >= at && (first === undefined || n < first)) first = n;
    return first;
  }

  get totalSent(): number {
    let n = 0;
    for (const v of this.sent.values()) n += v;
    return n;
  }

  get totalAcked(): number {
    let n = 0;
    for (const v of this.acked.values()) n += v.size;
    return n;
  }
}
