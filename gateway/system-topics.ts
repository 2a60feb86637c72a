/**
 * The gateway publishes about itself on `$sys.gateway.<instance>.…` topics,
 * once a second, through the same broker as every topic: so the operator's
 * /admin page is made of rt's own widgets, fed like any other dashboard.
 * With tenants, only an admin token may read them.
 */
import { hostname } from 'node:os';
import type { Broker, PartitionBacklog, PublishRequest } from '../bus/index.js';
import { SYSTEM_SEGMENT } from '../protocol/index.js';

/** What the gateway reads for each tick. */
export interface SystemReadings {
  connections: number;
  topics: number;
  /** Running total of messages sent to clients. */
  messagesSent: number;
  /** Running totals of refusals by reason. */
  refusals: ReadonlyMap<string, number>;
  busHealthy: boolean;
}

/** A topic-safe name of this gateway process: host and pid. */
export function instanceName(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_:-]/g, '_').slice(0, 100);
}

/**
 * Measures the ingest log's unprocessed backlog (the processor's lag): the
 * ingest backlog guard's own measure, `IngestLog.trimAcknowledged`, which
 * also trims what every consumer group acknowledged (harmless: ingest does
 * the same five times a second). On Redis it is one script per partition,
 * sent together in one pipeline.
 */
export type BacklogProbe = () => Promise<readonly PartitionBacklog[]>;

type Entry = PublishRequest;

/** The lag topics of one measure: totals, then per partition. */
export function lagEntries(prefix: string, backlog: readonly PartitionBacklog[], now: number): Entry[] {
  const entries: Entry[] = [
    { topic: `${prefix}.lag.entries`, body: { ts: now, value: backlog.reduce((sum, p) => sum + p.entries, 0) } },
    { topic: `${prefix}.lag.oldest_ms`, body: { ts: now, value: backlog.reduce((max, p) => Math.max(max, p.oldestAgeMs), 0) } },
  ];
  for (const p of backlog) {
    entries.push(
      { topic: `${prefix}.lag.p${p.partition}.entries`, body: { ts: now, value: p.entries } },
      { topic: `${prefix}.lag.p${p.partition}.oldest_ms`, body: { ts: now, value: p.oldestAgeMs } },
    );
  }
  return entries;
}

export class SystemTopics {
  readonly prefix: string;
  private readonly timer: NodeJS.Timeout;
  private last: { at: number; messagesSent: number; refusals: Map<string, number> } | null = null;
  /** A backlog measure in flight: a slow or unreachable bus never stacks them up. */
  private measuring = false;

  constructor(
    private readonly broker: Broker,
    private readonly read: () => SystemReadings,
    instance: string = instanceName(),
    intervalMs = 1000,
    /** Measures the processor lag each tick (absent = no lag topics). */
    private readonly backlog?: BacklogProbe,
  ) {
    this.prefix = `${SYSTEM_SEGMENT}.gateway.${instance}`;
    this.timer = setInterval(() => {
      void this.tick();
      void this.measureLag();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Publishes the backlog once per tick, on its own: a measure that waits
   * for a reconnecting Redis must not hold back the gateway's other numbers,
   * and no second measure starts while one is pending.
   */
  private async measureLag(): Promise<void> {
    if (!this.backlog || this.measuring) return;
    this.measuring = true;
    try {
      const backlog = await this.backlog();
      await this.broker.publish(lagEntries(this.prefix, backlog, Date.now()));
    } catch {
      // The bus is down: the lag topics pause, bus_healthy says why.
    } finally {
      this.measuring = false;
    }
  }

  private async tick(): Promise<void> {
    const r = this.read();
    const now = Date.now();
    const refusals = new Map(r.refusals);
    const totalRefusals = [...refusals.values()].reduce((a, b) => a + b, 0);
    const entries: Entry[] = [
      { topic: `${this.prefix}.connections`, body: { ts: now, value: r.connections } },
      { topic: `${this.prefix}.topics`, body: { ts: now, value: r.topics } },
      { topic: `${this.prefix}.bus_healthy`, body: { ts: now, value: r.busHealthy ? 1 : 0 } },
    ];
    if (this.last) {
      const seconds = Math.max(0.001, (now - this.last.at) / 1000);
      const lastTotal = [...this.last.refusals.values()].reduce((a, b) => a + b, 0);
      entries.push(
        { topic: `${this.prefix}.messages_per_sec`, body: { ts: now, value: Math.round((r.messagesSent - this.last.messagesSent) / seconds) } },
        { topic: `${this.prefix}.refusals_per_sec`, body: { ts: now, value: Math.round((totalRefusals - lastTotal) / seconds) } },
      );
      for (const [reason, n] of refusals) {
        const delta = n - (this.last.refusals.get(reason) ?? 0);
        if (delta > 0) entries.push({ topic: `${this.prefix}.refusals`, body: { ts: now, data: { reason, count: delta } } });
      }
    }
    this.last = { at: now, messagesSent: r.messagesSent, refusals };
    try {
      await this.broker.publish(entries);
    } catch {
      // The bus is down: bus_healthy says so on the next tick that gets through.
    }
  }
}
