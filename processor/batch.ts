/**
 * What one read batch becomes: the messages to publish (each event on its
 * own or routed topic, plus what windows closed), the dead letters, and per
 * partition the entry ids to acknowledge with the window checkpoint that
 * covers them. Pure and synchronous: the processor folds a batch completely
 * before the next one, which is what keeps a checkpoint consistent with the
 * entries it acknowledges.
 */
import type { DeadLetter, IngestEntry, PublishRequest } from '../bus/index.js';
import { topicProblem, type MessageBody } from '../protocol/index.js';
import type { RuleSet, WindowPlan } from './rules.js';
import { PartitionWindows } from './windows.js';

/** Acknowledgement and checkpoint of one partition for one batch. */
export interface PartitionCommit {
  partition: number;
  ids: string[];
  /** The partition's windows as JSON, or null to leave the stored checkpoint as it is. */
  checkpoint: string | null;
}

export interface Batch {
  requests: PublishRequest[];
  letters: DeadLetter[];
  commits: PartitionCommit[];
  /** Events left out of their window because it had closed. */
  late: number;
}

export interface BatchContext {
  rules: RuleSet;
  partitionOf(topic: string): number;
  /** Window state of an owned partition (created on first use). */
  windows(partition: number): PartitionWindows;
  /** True while this processor owns the partition; others' entries are left pending. */
  owns(partition: number): boolean;
}

/** Reads the aggregated number of an event: `value`, or a key path under `data`. */
function pick(event: NonNullable<IngestEntry['event']>, path: readonly string[]): unknown {
  if (path.length === 0) return event.value;
  let at: unknown = event.data;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function fieldName(plan: WindowPlan): string {
  return plan.path.length === 0 ? 'value' : `data.${plan.path.join('.')}`;
}

/**
 * Plans one batch. `idle` lists partitions a fresh read found empty: their
 * watermark moves to `now`, so windows close even when a topic goes quiet.
 */
export function planBatch(entries: readonly IngestEntry[], idle: readonly number[], now: number, ctx: BatchContext): Batch {
  const requests: PublishRequest[] = [];
  const letters: DeadLetter[] = [];
  const ids = new Map<number, string[]>();
  const touched = new Set<number>();
  let late = 0;
  const letter = (entry: IngestEntry, code: string, reason: string): void => {
    letters.push({ code, reason, partition: entry.partition, id: entry.id, entry: JSON.stringify(entry.event ?? entry.raw ?? null) });
  };

  // A read returns each partition's entries together: ownership and the id
  // list are looked up once per run of one partition, not per entry.
  let runPartition = -1;
  let runOwned = false;
  let list: string[] = [];
  for (const entry of entries) {
    const { partition, event } = entry;
    if (partition !== runPartition) {
      runPartition = partition;
      runOwned = ctx.owns(partition);
      if (runOwned) {
        const known = ids.get(partition);
        if (known) list = known;
        else ids.set(partition, (list = []));
      }
    }
    if (!runOwned) continue;
    list.push(entry.id);
    if (!event) {
      letter(entry, 'malformed_entry', entry.problem ?? 'not a valid event');
      continue;
    }
    const home = ctx.partitionOf(event.topic);
    if (home !== partition) {
      // Published from here it would be out of order with the rest of its topic.
      letter(entry, 'misplaced_entry', `topic "${event.topic}" belongs to partition ${home}, not ${partition}`);
      continue;
    }
    const plan = ctx.rules.plan(event.topic);
    const routeIssue = plan.publishAs === event.topic ? null : topicProblem(plan.publishAs);
    if (routeIssue) {
      letter(entry, 'route_invalid', `route of "${event.topic}" gives "${plan.publishAs.slice(0, 250)}": ${routeIssue}`);
    } else {
      // Each shape as one literal: no property added after creation (V8 would give the object a second store for it).
      const { ts, value, data } = event;
      const body: MessageBody = data === undefined ? (value === undefined ? { ts } : { ts, value }) : value === undefined ? { ts, data } : { ts, value, data };
      requests.push({ topic: plan.publishAs, body, source: { partition, id: entry.id } });
    }
    let refusedRule = -1;
    for (const window of plan.windows) {
      const value = pick(event, window.path);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        // One letter per rule, not per window of it.
        if (refusedRule !== window.rule) {
          refusedRule = window.rule;
          const missing = value === undefined;
          letter(
            entry,
            missing ? 'field_missing' : 'field_not_number',
            `rules[${window.rule}] aggregates ${fieldName(window)}, which ${missing ? 'this event does not have' : `is ${value === null ? 'null' : typeof value}, not a finite number`}`,
          );
        }
        continue;
      }
      touched.add(partition);
      if (!ctx.windows(partition).fold(event.topic, window, event.ts, value)) late++;
    }
  }

  for (const partition of idle) {
    if (!ctx.owns(partition)) continue;
    const windows = ctx.windows(partition);
    if (windows.size > 0 && windows.advanceTo(now)) touched.add(partition);
  }

  const commits: PartitionCommit[] = [];
  for (const partition of new Set([...ids.keys(), ...touched])) {
    let checkpoint: string | null = null;
    if (touched.has(partition)) {
      const windows = ctx.windows(partition);
      for (const out of windows.close()) {
        // The window start is the output's duplicate mark: a window closed again after a takeover is not published twice.
        requests.push({ topic: out.topic, body: out.body, source: { partition, id: `${out.start}-0` } });
      }
      checkpoint = JSON.stringify(windows.snapshot());
    }
    commits.push({ partition, ids: ids.get(partition) ?? [], checkpoint });
  }
  return { requests, letters, commits, late };
}

