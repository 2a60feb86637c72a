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
 * published, together with the checkpoint of the partition's aggregation
 * windows that covers them (one atomic commit). A processor that dies in
 * between leaves them pending; whoever takes the partition next (a restart,
 * or another processor once the lease expires) starts from the checkpoint,
 * moves the pending entries to itself and redoes them first. The broker skips
 * publishes whose source entry (or, for window outputs, window start) is not
 * newer than the topic's last one, so a redo never publishes twice.
 *
 * Speed: reading, publishing and committing overlap. While one batch is
 * folded and published, the next read is already in flight, and a batch's
 * commit travels with the next batch's publish. Publishes of one batch are
 * issued only after the previous batch's publishes succeeded, so what reached
 * Redis is always a prefix of the log per topic, which a redo completes
 * without duplicates.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Broker, Coordination, FencedRead, IngestEntry, IngestLog, ProcessorState } from '../bus/index.js';
import { planBatch, type Batch, type PartitionCommit } from './batch.js';
import { NO_RULES, type RuleSet, type WindowPlan } from './rules.js';
import { PartitionWindows, type WindowsSnapshot } from './windows.js';

export interface ProcessorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProcessorOptions {
  ingest: IngestLog;
  coordination: Coordination;
  broker: Pick<Broker, 'publish'>;
  /** Window checkpoints (committed with acknowledgements) and dead letters. */
  state: ProcessorState;
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
  /** Routing and aggregation rules (the config file's `rules`). */
  rules?: RuleSet;
}

/** Counters exposed on /healthz and as metrics. */
export interface ProcessorStats {
  processed: number;
  published: number;
  duplicatesSkipped: number;
  /** Entries sent to the dead-letter stream (malformed, misplaced, unusable by a rule). */
  deadLetters: number;
  /** Events left out of a window that had already closed. */
  lateEvents: number;
  /** Aggregation windows open now, counting closed ones until their outputs are published. */
  windowsOpen: number;
  owned: number[];
}

export class Processor {
  readonly name: string;
  readonly stats: ProcessorStats = { processed: 0, published: 0, duplicatesSkipped: 0, deadLetters: 0, lateEvents: 0, windowsOpen: 0, owned: [] };
  private readonly ingest: IngestLog;
  private readonly coordination: Coordination;
  private readonly broker: Pick<Broker, 'publish'>;
  private readonly state: ProcessorState;
  private readonly log: ProcessorLogger;
  private readonly group: string;
  private readonly leaseTtlMs: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private rules: RuleSet;
  /** Window state of owned partitions, loaded from their checkpoint when first needed. */
  private readonly windows = new Map<number, PartitionWindows>();
  /** The last batch's publishes (then its commit being issued), in flight while the next batch is read and folded. */
  private sending: Promise<void> = Promise.resolve();
  /** The last batch's commit, in flight while the next batch is published. */
  private committing: Promise<void> = Promise.resolve();
  /** Partitions this processor holds the lease of. */
  private readonly owned = new Set<number>();
  /**
   * The lease token of each owned partition: new at every acquisition, so a
   * read, fold or commit made under an earlier ownership of the same
   * partition is recognised and dropped (see Coordination.renewLease).
   */
  private readonly tokens = new Map<number, string>();
  private acquisitions = 0;
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
    this.state = options.state;
    this.log = options.log;
    this.group = options.group ?? 'rt-processor';
    this.name = options.name ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.blockMs = options.blockMs ?? 1000;
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
    await this.sending.catch(() => {});
    await this.committing.catch(() => {});
    await this.leaseWork;
    await Promise.all([...this.owned].map((p) => this.coordination.releaseLease(p, this.tokens.get(p)!).catch(() => {})));
    await this.coordination.leavePresence(this.name).catch(() => {});
    this.owned.clear();
    this.tokens.clear();
    this.releasing.clear();
    this.windows.clear();
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
      if (await this.coordination.renewLease(p, this.tokens.get(p)!, this.leaseTtlMs)) continue;
      this.lost([p]);
    }
    // Released by the consume loop between batches, never under a batch in flight.
    const keep = [...this.owned].filter((p) => !this.releasing.has(p)).sort((a, b) => a - b);
    for (const p of keep.slice(share)) this.releasing.add(p);
    for (let p = 0; p < this.ingest.partitions && this.owned.size - this.releasing.size < share; p++) {
      if (!this.running) return;
      if (this.owned.has(p)) continue;
      const token = `${this.name}#${++this.acquisitions}`;
      // An earlier run under this name (a restart) holds its leases as `<name>#<n>`: they are taken at once.
      if (!(await this.coordination.lease(p, token, this.leaseTtlMs, `${this.name}#`))) continue;
      let moved: number;
      try {
        moved = await this.ingest.takeOverPending(this.group, this.name, p);
      } catch (error) {
        // Not taken after all: free the lease for the next try (or another processor).
        await this.coordination.releaseLease(p, token).catch(() => {});
        // Redis lost its data (restart without persistence): the group is gone too.
        if ((error as Error).message.includes('NOGROUP')) await this.ingest.ensureGroup(this.group);
        throw error;
      }
      this.owned.add(p);
      this.tokens.set(p, token);
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
      this.windows.delete(p);
      const token = this.tokens.get(p)!;
      this.tokens.delete(p);
      await this.coordination.releaseLease(p, token);
      this.log.info({ partition: p, processor: this.name }, `processor hands partition ${p} over to balance the load`);
    }
    this.stats.owned = [...this.owned].sort((a, b) => a - b);
  }

  private async consume(): Promise<void> {
    /** The next fresh read, issued before the current batch is handled. */
    let ahead: { leases: Map<number, string>; entries: Promise<FencedRead> } | null = null;
    while (this.running) {
      try {
        if (!ahead) {
          if (this.releasing.size > 0) {
            // Nothing of a released partition may be in flight: its next owner claims what is pending.
            await this.settle();
            await this.exclusive(() => this.releaseMarked());
          }
          if (this.catchingUp.size > 0) {
            // A pending read must see the acknowledgements of what is in flight, or it would redo it.
            await this.settle();
            const leases = this.leases([...this.catchingUp]);
            const { entries, refused } = await this.ingest.readFenced(leases, this.group, this.name, { pending: true, count: this.batchSize, blockMs: 0 });
            this.lost(refused, leases);
            const read = partitionsOf(entries);
            for (const p of leases.keys()) {
              if (!read.has(p) && this.tokens.get(p) === leases.get(p)) this.catchingUp.delete(p);
            }
            await this.handle(entries, [], leases);
            continue;
          }
          if (this.owned.size === 0) {
            await this.idle(this.leaseTtlMs / 3);
            continue;
          }
          ahead = this.readFresh();
        }
        const { leases } = ahead;
        const { entries, refused } = await ahead.entries;
        ahead = null;
        this.lost(refused, leases);
        // Read the next batch while this one is folded, published and committed.
        if (this.running && this.releasing.size === 0 && this.catchingUp.size === 0 && this.owned.size > 0) ahead = this.readFresh();
        const read = partitionsOf(entries);
        const idle = [...leases.keys()].filter((p) => !refused.includes(p) && !read.has(p));
        await this.handle(entries, idle, leases);
      } catch (error) {
        if (!this.running) break;
        const message = (error as Error).message;
        this.log.error({ error: message }, 'processor batch failed; retrying in 1 s');
        // What was read ahead is pending too; it is redone with the rest.
        await ahead?.entries.catch(() => {});
        ahead = null;
        await this.settle().catch(() => {});
        await this.committing.catch(() => {});
        this.sending = this.committing = Promise.resolve();
        // The failed batch is still pending: redo it before reading anything
        // newer, or the duplicate check would later skip it as old. Windows
        // restart from their last commit, which covers exactly the acknowledged entries.
        for (const p of this.owned) this.catchingUp.add(p);
        this.windows.clear();
        await this.idle(1000);
        // Redis lost its data (restart without persistence): the group is gone too.
        if (message.includes('NOGROUP')) await this.ingest.ensureGroup(this.group).catch(() => {});
      }
    }
    await ahead?.entries.catch(() => {});
    await this.settle().catch(() => {});
  }

  private readFresh(): { leases: Map<number, string>; entries: Promise<FencedRead> } {
    const leases = this.leases([...this.owned]);
    const entries = this.ingest.readFenced(leases, this.group, this.name, { pending: false, count: this.batchSize, blockMs: this.blockMs });
    // Handled when awaited; this keeps a failure meanwhile from being reported as unhandled.
    entries.catch(() => {});
    return { leases, entries };
  }

  /** The current lease token of each of `partitions`. */
  private leases(partitions: readonly number[]): Map<number, string> {
    return new Map(partitions.map((p) => [p, this.tokens.get(p)!]));
  }

  /**
   * Drops partitions whose lease is gone (seen by a fenced read or commit, or
   * a failed renewal). With `under`, only where the lease that failed is
   * still the current one: a partition lost and taken again meanwhile keeps
   * its new ownership.
   */
  private lost(partitions: readonly number[], under?: ReadonlyMap<number, string>): void {
    for (const p of partitions) {
      if (!this.owned.has(p)) continue;
      if (under && under.get(p) !== this.tokens.get(p)) continue;
      this.owned.delete(p);
      this.tokens.delete(p);
      this.catchingUp.delete(p);
      this.releasing.delete(p);
      this.windows.delete(p);
      this.log.warn({ partition: p, processor: this.name }, `processor lost the lease of partition ${p}`);
    }
    this.stats.owned = [...this.owned].sort((a, b) => a - b);
  }

  /** Loads the window state of partitions about to be used, from their checkpoints. */
  private async loadWindows(partitions: Iterable<number>): Promise<void> {
    for (const p of partitions) {
      if (this.windows.has(p) || !this.owned.has(p)) continue;
      // A commit still in flight for this partition must land before its checkpoint is read.
      await this.settle();
      const stored = await this.state.checkpoint(this.group, p);
      let windows = new PartitionWindows();
      if (stored) {
        try {
          const plans = new Map<string, WindowPlan>();
          windows = PartitionWindows.restore(JSON.parse(stored) as WindowsSnapshot, (topic, label) => {
            const key = `${topic}\u0000${label}`;
            if (!plans.has(key)) plans.set(key, this.rules.plan(topic).windows.find((w) => w.label === label)!);
            return plans.get(key);
          });
        } catch (error) {
          this.log.error({ partition: p, error: (error as Error).message }, `window checkpoint of partition ${p} is unreadable; its windows start empty`);
        }
      }
      this.windows.set(p, windows);
    }
  }

  /** Folds and sends what was read under `leases`; partitions whose lease changed since are left out. */
  private async handle(entries: IngestEntry[], idle: number[], leases: ReadonlyMap<number, string>): Promise<void> {
    if (entries.length === 0 && idle.length === 0) return;
    const current = (p: number): boolean => this.owned.has(p) && this.tokens.get(p) === leases.get(p);
    const used = partitionsOf(entries);
    for (const p of idle) used.add(p);
    for (const p of used) if (!current(p)) used.delete(p);
    await this.loadWindows(used);
    const batch = planBatch(entries, idle, Date.now(), {
      rules: this.rules,
      partitionOf: (topic) => this.ingest.partitionOf(topic),
      windows: (p) => this.windows.get(p)!,
      owns: current,
    });
    this.stats.lateEvents += batch.late;
    let open = 0;
    for (const w of this.windows.values()) open += w.size;
    // This batch was folded while the previous one's messages were on their
    // way; its own go out only once those have all been accepted.
    await this.sending;
    // A window counts as open until its outputs are published: 0 means every closed window is in history.
    this.sending = this.send(batch, leases).then(() => {
      this.stats.windowsOpen = open;
    });
    // Awaited by the next batch (or stop); until then a failure must not count as unhandled.
    this.sending.catch(() => {});
  }

  private async send(batch: Batch, leases: ReadonlyMap<number, string>): Promise<void> {
    if (batch.letters.length > 0) {
      this.stats.deadLetters += batch.letters.length;
      const first = batch.letters[0];
      this.log.warn({ count: batch.letters.length, code: first.code, partition: first.partition, id: first.id }, `${batch.letters.length} ingest entries sent to the dead-letter stream; first: ${first.reason}`);
      // Before the commit: a crash in between may file a letter twice, never lose one.
      await this.state.deadLetter(batch.letters);
    }
    if (batch.requests.length > 0) {
      const ids = await this.broker.publish(batch.requests);
      for (const id of ids) {
        if (id === null) this.stats.duplicatesSkipped++;
        else this.stats.published++;
      }
    }
    // The previous commit has been on its way meanwhile; its failure stops this batch here.
    await this.committing;
    this.committing = this.commit(batch.commits, leases);
    this.committing.catch(() => {});
  }

  /** Waits until everything handed to Redis has been answered (before a release, a redo or stopping). */
  private async settle(): Promise<void> {
    await this.sending;
    await this.committing;
  }

  private async commit(commits: PartitionCommit[], leases: ReadonlyMap<number, string>): Promise<void> {
    const done = await Promise.all(commits.map((c) => this.state.commit(leases.get(c.partition)!, this.group, c.partition, c.ids, c.checkpoint)));
    // A refused commit changed nothing: the new owner redoes those entries from its own checkpoint.
    this.lost(commits.filter((_, i) => !done[i]).map((c) => c.partition), leases);
    for (const [i, c] of commits.entries()) if (done[i]) this.stats.processed += c.ids.length;
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

/** The partitions that entries come from (a batch holds each partition's entries together, in read order). */
function partitionsOf(entries: readonly IngestEntry[]): Set<number> {
  const out = new Set<number>();
  let last = -1;
  for (const { partition } of entries) {
    if (partition === last) continue;
    last = partition;
    out.add(partition);
  }
  return out;
}
