/**
 * The gateway publishes about itself on `$sys.gateway.<instance>.…` topics,
 * once a second, through the same broker as every topic: so the operator's
 * /admin page is made of rt's own widgets, fed like any other dashboard.
 * With tenants, only an admin token may read them.
 */
import { hostname } from 'node:os';
import type { Broker } from '../bus/index.js';
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

export class SystemTopics {
  readonly prefix: string;
  private readonly timer: NodeJS.Timeout;
  private last: { at: number; messagesSent: number; refusals: Map<string, number> } | null = null;

  constructor(
    private readonly broker: Broker,
    private readonly read: () => SystemReadings,
    instance: string = instanceName(),
    intervalMs = 1000,
  ) {
    this.prefix = `${SYSTEM_SEGMENT}.gateway.${instance}`;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const r = this.read();
    const now = Date.now();
    const refusals = new Map(r.refusals);
    const totalRefusals = [...refusals.values()].reduce((a, b) => a + b, 0);
    const entries: { topic: string; body: { ts: number; value?: number; data?: Record<string, string | number> } }[] = [
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
