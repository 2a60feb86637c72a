/**
 * The processor: reads the ingest stream through a consumer group, routes each
 * event, publishes the results, then acknowledges. Each partition has one
 * owner at a time (a lease in the bus), so a topic's events are published in
 * the order they were ingested even with several processors running.
 * Processors announce themselves (presence) and each holds its fair share,
 * ceil(partitions / live processors): a newcomer gets partitions handed over
 * between batches, and a dead one's partitions are taken once its leases
 * and presence expire.
 *
 * Crash safety: entries are acknowledged only after their messages are
 * published. A processor that dies in between leaves them pending; whoever
 * takes the partition next (a restart, or another processor once the lease
 * expires) moves them to itself and redoes them first. The bus skips
 * publishes whose source entry is not newer than the topic's last one, so a
 * redo never publishes twice.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Broker, Coordination, IngestEntry, IngestLog, PublishRequest } from '../bus/index.js';
import { passThrough, type Router } from './router.js';
import { NO_RULES, type RuleSet } from './rules.js';

export interface ProcessorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProcessorOptions {
  ingest: IngestLog;
  coordination: Coordination;
  broker: Pick<Broker, 'publish'>;
  log: ProcessorLogger;
  /** Consumer group name (default "rt-processor"). */
  group?: string;
  /** This processor's consumer name; default host-pid-random, unique per run. */
  name?: string;
  /** Partition lease time-to-live in ms (default 10 000); renewed every third of it. */
  leaseTtlMs?: number;
  /** Most entries read per partition per batch (default 500). */
  batchSize?: number;
  /** How long one read waits for new entries, in ms (default 1000). */
  blockMs?: number;
  router?: Router;
  /** Routing and aggregation rules (the config file's `rules`). */
  rules?: RuleSet;
}

/** Counters exposed on /healthz and as metrics. */
export interface ProcessorStats {
  processed: number;
  published: number;
  duplicatesSkipped: number;
  malformed: number;
  owned: number[];
}

export class Processor {
  readonly name: string;
  readonly stats: ProcessorStats = { processed: 0, published: 0, duplicatesSkipped: 0, malformed: 0, owned: [] };
  private readonly ingest: IngestLog;
  private readonly coordination: Coordination;
  private readonly broker: Pick<Broker, 'publish'>;
  private readonly log: ProcessorLogger;
  private readonly group: string;
  private readonly leaseTtlMs: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly router: Router;
  private rules: RuleSet;
  /** Partitions this processor holds the lease of. */
  private readonly owned = new Set<number>();
  /** Owned partitions whose pending entries still have to be redone. */
  private readonly catchingUp = new Set<number>();
  /** Owned partitions to give up at the next pause between batches. */
  private readonly releasing = new Set<number>();
  /** Serializes lease work (renewal timer vs. release between batches) so neither undoes the other. */
  private leaseWork: Promise<void> = Promise.resolve();
  private running = false;
  private loop: Promise<void> | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private wakeIdle: (() => void) | null = null;

  constructor(options: ProcessorOptions) {
    this.ingest = options.ingest;
    this.coordination = options.coordination;
    this.broker = options.broker;
    this.log = options.log;
    this.group = options.group ?? 'rt-processor';
    this.name = options.name ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.blockMs = options.blockMs ?? 1000;
    this.router = options.router ?? passThrough;
    this.rules = options.rules ?? NO_RULES;
  }

  /** Replaces the rules (config reload); applies from the next batch on. */
  setRules(rules: RuleSet | undefined): void {
    this.rules = rules ?? NO_RULES;
  }

  /** Creates the group, takes what partitions it can, and starts consuming. */
  async start(): Promise<void> {
    await this.ingest.ensureGroup(this.group);
    this.running = true;
    await this.exclusive(() => this.renewLeases());
    this.leaseTimer = setInterval(() => {
      this.exclusive(() => this.renewLeases()).catch((error: Error) => this.log.warn({ error: error.message }, 'lease renewal failed; will retry'));
    }, Math.max(10, Math.floor(this.leaseTtlMs / 3)));
    this.loop = this.consume();
  }

  /** Stops after the current batch and gives up the leases. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.wakeIdle?.();
    await this.loop;
    await this.leaseWork;
    await Promise.all([...this.owned].map((p) => this.coordination.releaseLease(p, this.name).catch(() => {})));
    await this.coordination.leavePresence(this.name).catch(() => {});
    this.owned.clear();
    this.releasing.clear();
    this.stats.owned = [];
  }

  /**
   * Keeps this processor at its fair share of the partitions: renews what it
   * holds, marks extras for release when more processors are live, and takes
   * free partitions while under its share. Runs every third of the lease TTL.
   */
  private async renewLeases(): Promise<void> {
    const live = await this.coordination.presence(this.name, this.leaseTtlMs);
    const share = Math.ceil(this.ingest.partitions / Math.max(1, live));
    for (const p of [...this.owned]) {
      if (!this.running) return;
      if (await this.coordination.lease(p, this.name, this.leaseTtlMs)) continue;
      this.owned.delete(p);
      this.catchingUp.delete(p);
      this.releasing.delete(p);
      this.log.warn({ partition: p, processor: this.name }, `processor lost the lease of partition ${p}`);
    }
    // Released by the consume loop between batches, never under a batch in flight.
    const keep = [...this.owned].filter((p) => !this.releasing.has(p)).sort((a, b) => a - b);
    for (const p of keep.slice(share)) this.releasing.add(p);
    for (let p = 0; p < this.ingest.partitions && this.owned.size - this.releasing.size < share; p++) {
      if (!this.running) return;
      if (this.owned.has(p) || !(await this.coordination.lease(p, this.name, this.leaseTtlMs))) continue;
      const moved = await this.ingest.takeOverPending(this.group, this.name, p);
      this.owned.add(p);
      this.catchingUp.add(p);
      this.log.info({ partition: p, processor: this.name, pendingTakenOver: moved, live }, `processor owns partition ${p}`);
      this.wakeIdle?.();
    }
    this.stats.owned = [...this.owned].sort((a, b) => a - b);
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.leaseWork.then(work);
    this.leaseWork = run.catch(() => {});
    return run;
  }

  /** Gives up the partitions marked for release; called between batches. */
  private async releaseMarked(): Promise<void> {
    for (const p of [...this.releasing]) {
      this.releasing.delete(p);
      this.owned.delete(p);
      this.catchingUp.delete(p);
      await this.coordination.releaseLease(p, this.name);
      this.log.info({ partition: p, processor: this.name }, `processor hands partition ${p} over to balance the load`);
    }
    this.stats.owned = [...this.owned].sort((a, b) => a - b);
  }

  private async consume(): Promise<void> {
    while (this.running) {
      try {
        if (this.releasing.size > 0) await this.exclusive(() => this.releaseMarked());
        if (this.catchingUp.size > 0) {
          const partitions = [...this.catchingUp];
          const entries = await this.ingest.read(this.group, this.name, partitions, { pending: true, count: this.batchSize, blockMs: 0 });
          for (const p of partitions) {
            if (!entries.some((e) => e.partition === p)) this.catchingUp.delete(p);
          }
          await this.handle(entries);
        } else if (this.owned.size > 0) {
          const entries = await this.ingest.read(this.group, this.name, [...this.owned], { pending: false, count: this.batchSize, blockMs: this.blockMs });
          await this.handle(entries);
        } else {
          await this.idle(this.leaseTtlMs / 3);
        }
      } catch (error) {
        if (!this.running) break;
        const message = (error as Error).message;
        this.log.error({ error: message }, 'processor batch failed; retrying in 1 s');
        // The failed batch is still pending: redo it before reading anything
        // newer, or the duplicate check would later skip it as old.
        for (const p of this.owned) this.catchingUp.add(p);
        await this.idle(1000);
        // Redis lost its data (restart without persistence): the group is gone too.
        if (message.includes('NOGROUP')) await this.ingest.ensureGroup(this.group).catch(() => {});
      }
    }
  }

  private async handle(entries: IngestEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const requests: PublishRequest[] = [];
    for (const entry of entries) {
      const problem = entry.event ? this.misplaced(entry.event.topic, entry.partition) : entry.problem;
      if (!entry.event || problem) {
        this.stats.malformed++;
        this.log.warn({ partition: entry.partition, id: entry.id, problem }, `skipping malformed ingest entry: ${problem}`);
        continue;
      }
      const publishAs = this.rules.plan(entry.event.topic).publishAs;
      for (const routed of this.router(entry.event)) {
        requests.push({ topic: routed.topic === entry.event.topic ? publishAs : routed.topic, body: routed.body, source: { partition: entry.partition, id: entry.id } });
      }
    }
    const ids = await this.broker.publish(requests);
    for (const id of ids) {
      if (id === null) this.stats.duplicatesSkipped++;
      else this.stats.published++;
    }
    await this.ingest.ack(this.group, entries);
    this.stats.processed += entries.length;
  }

  /**
   * An entry a producer wrote to the wrong partition would be published out
   * of order with the rest of its topic, and escape duplicate suppression.
   */
  private misplaced(topic: string, partition: number): string | undefined {
    const home = this.ingest.partitionOf(topic);
    return home === partition ? undefined : `topic "${topic}" belongs to partition ${home}, not ${partition}`;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeIdle = null;
        resolve();
      }
      this.wakeIdle = done;
    });
  }
}
