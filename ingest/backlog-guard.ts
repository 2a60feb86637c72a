/**
 * Admission control for "202 means kept until processed". The ingest log
 * never drops an unprocessed entry, so the only way to bound it is to stop
 * accepting: this guard trims what every consumer group has acknowledged
 * every `intervalMs`, keeps each partition's backlog (entries and age of the
 * oldest), and refuses events for a partition whose backlog passed a bound
 * until it drains. Between two polls it adds what ingest appended, so a burst
 * cannot overshoot the entry bound by more than the requests in flight.
 */
import type { IngestLog } from '../bus/index.js';

export interface BacklogBounds {
  /** Most unprocessed entries per partition before its events are refused. */
  maxEntries: number;
  /** Oldest unprocessed entry allowed, in ms, before its partition's events are refused (0 = no age bound). */
  maxAgeMs: number;
}

export interface BacklogLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Per-partition numbers, for /healthz and metrics. */
export interface BacklogStats {
  /** Unprocessed entries kept per partition (as of the last poll, plus appends since). */
  entries: number[];
  /** Age of the oldest unprocessed entry per partition, in ms, as of the last poll. */
  oldestAgeMs: number[];
  /** Events refused per partition because its backlog was over a bound. */
  refusedEvents: number[];
  /** Whether each partition is refusing now. */
  refusing: boolean[];
}

/** At most one warning per partition this often while it keeps refusing. */
const WARN_EVERY_MS = 10_000;

export class BacklogGuard {
  readonly stats: BacklogStats;
  private readonly lastWarned: number[];
  private readonly refusedSinceWarning: number[];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly log: Pick<IngestLog, 'partitions' | 'trimAcknowledged'>,
    private readonly bounds: BacklogBounds,
    private readonly logger: BacklogLogger,
    private readonly intervalMs = 200,
  ) {
    const zeros = (): number[] => new Array<number>(log.partitions).fill(0);
    this.stats = { entries: zeros(), oldestAgeMs: zeros(), refusedEvents: zeros(), refusing: new Array<boolean>(log.partitions).fill(false) };
    this.lastWarned = zeros().map(() => Number.NEGATIVE_INFINITY);
    this.refusedSinceWarning = zeros();
  }

  /** Polls once (so the first request already sees the real backlog), then every interval. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  /** True when events of `partition` must be refused now. */
  refuses(partition: number): boolean {
    return this.stats.refusing[partition];
  }

  /** Counts events of `partition` that were refused (for the metric and the log line). */
  refused(partition: number, events: number): void {
    this.stats.refusedEvents[partition] += events;
    this.refusedSinceWarning[partition] += events;
    const now = Date.now();
    if (now - this.lastWarned[partition] < WARN_EVERY_MS) return;
    this.lastWarned[partition] = now;
    const entries = this.stats.entries[partition];
    const ageS = Math.round(this.stats.oldestAgeMs[partition] / 1000);
    this.logger.warn(
      { partition, backlogEntries: entries, oldestAgeS: ageS, refusedEvents: this.refusedSinceWarning[partition], ...this.bounds },
      `ingest partition ${partition} holds ${entries} unprocessed entries (oldest ${ageS} s), over its bound: answering 503 for its events (${this.refusedSinceWarning[partition]} refused since the last warning). Is a processor running?`,
    );
    this.refusedSinceWarning[partition] = 0;
  }

  /** Counts events appended to `partition` since the last poll. */
  appended(partition: number, events: number): void {
    this.stats.entries[partition] += events;
    if (this.stats.entries[partition] >= this.bounds.maxEntries) this.stats.refusing[partition] = true;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.intervalMs);
    // The guard alone must not keep the process alive.
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    let backlog;
    try {
      backlog = await this.log.trimAcknowledged();
    } catch (error) {
      // Keep the last known state: appends fail on their own if the log is down.
      if (!this.failing) this.logger.warn({ error: (error as Error).message }, 'could not read the ingest backlog; keeping the last known state');
      this.failing = true;
      return;
    }
    this.failing = false;
    for (const { partition, entries, oldestAgeMs } of backlog) {
      const over = entries >= this.bounds.maxEntries || (this.bounds.maxAgeMs > 0 && entries > 0 && oldestAgeMs >= this.bounds.maxAgeMs);
      if (this.stats.refusing[partition] && !over && this.stats.refusedEvents[partition] > 0) {
        this.logger.info({ partition, backlogEntries: entries }, `ingest partition ${partition} drained below its bound; accepting its events again`);
      }
      this.stats.entries[partition] = entries;
      this.stats.oldestAgeMs[partition] = oldestAgeMs;
      this.stats.refusing[partition] = over;
    }
  }
}
