/**
 * Feeds topics at a steady rate through `POST /v1/events`, as producers
 * would: one request per tick carrying one event per topic, timestamped with
 * the tick's time. Ticks that fall behind (a busy machine) are caught up in
 * the next request, at most `maxCatchUp` at once; beyond that they are
 * counted as missed rather than flooding ingest.
 */

/** One producer event, as POSTed. */
export interface FeedEvent {
  topic: string;
  ts: number;
  value?: number;
  data?: Record<string, unknown>;
}

/** Builds the `n`-th event of a topic. */
export type MakeEvent = (topic: string, n: number, ts: number) => FeedEvent;

export const valueEvent: MakeEvent = (topic, n, ts) => ({ topic, ts, value: 50 + 40 * Math.sin(n / 30) + Math.random() * 5 });
export const logEvent: MakeEvent = (topic, n, ts) => ({
  topic,
  ts,
  data: { level: n % 17 === 0 ? 'warn' : 'info', msg: `request ${n} served in ${(Math.random() * 40).toFixed(1)} ms` },
});

/** Largest number of events in one request (ingest takes up to 10 000 and 1 MiB). */
const MAX_EVENTS_PER_POST = 2000;

export class Feeder {
  /** Events accepted by ingest (202). */
  accepted = 0;
  /** Ticks skipped because the machine fell too far behind. */
  missedTicks = 0;
  /** Requests ingest refused. */
  refused = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly ingestUrl: string) {}

  /** Sends `events` now, split into requests ingest accepts; resolves when all were answered. */
  async post(events: FeedEvent[]): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_POST) {
      const batch = events.slice(i, i + MAX_EVENTS_PER_POST);
      sends.push(
        fetch(this.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) }).then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 202) this.accepted += batch.length;
          else this.refused++;
        }),
      );
    }
    await Promise.all(sends);
  }

  /** Starts feeding every topic at `hz` events per second; `stop()` ends it. */
  start(topics: readonly string[], hz: number, make: MakeEvent, maxCatchUp = 10): void {
    const start = Date.now();
    const periodMs = 1000 / hz;
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor((Date.now() - start) / periodMs);
      if (due - sent > maxCatchUp) {
        this.missedTicks += due - sent - maxCatchUp;
        sent = due - maxCatchUp;
      }
      if (due <= sent || this.inFlight.size >= 8) return;
      const events: FeedEvent[] = [];
      for (let n = sent + 1; n <= due; n++) for (const topic of topics) events.push(make(topic, n, Math.round(start + n * periodMs)));
      sent = due;
      const p = this.post(events).catch(() => void this.refused++);
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }, Math.max(4, Math.floor(periodMs / 2)));
  }

  /** Stops feeding and waits for requests still under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
  }
}
