/**
 * Aggregation rules, the `rules` section of the config file: which topics
 * are renamed (`route`) and which are aggregated over tumbling windows
 * (`aggregate` × `windows`). The config schema has already checked the
 * shape; this compiles the rules into a per-topic plan, cached because the
 * same topics come back on every batch.
 */
import { parseDuration } from './duration.js';
import { compilePattern, fillRoute, type TopicPattern } from './topic-pattern.js';

/** The aggregation functions a rule can ask for. */
export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'rate', 'p50', 'p90', 'p95', 'p99', 'last'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** Grace period of a rule that does not set one. */
export const DEFAULT_GRACE = '2s';

/** A rule as written in the config file (after schema validation). */
export interface RuleSpec {
  /** Topic pattern; `*` stands for one segment. */
  match: string;
  /** Publish matching events on this topic instead; `{1}` is what the first `*` matched. */
  route?: string;
  /** Functions computed per window. */
  aggregate?: AggregateFunction[];
  /** Tumbling window lengths, aligned to the epoch ("1s", "10s", "1m"). */
  windows?: string[];
  /** What is aggregated: "value" (default) or "data.<key>[.<key>…]". */
  field?: string;
  /** How long after a window's end its late events are still folded in (default "2s"). */
  grace?: string;
}

/** One window length of one topic's aggregation. */
export interface WindowPlan {
  /** The window as written, used in output topic names ("10s"). */
  label: string;
  ms: number;
  graceMs: number;
  functions: AggregateFunction[];
  /** Path of the aggregated number: [] is `value`, ["a","b"] is `data.a.b`. */
  path: string[];
  /** Index of the rule that asked for it (for dead-letter reasons). */
  rule: number;
}

/** What the processor does with one topic's events. */
export interface TopicPlan {
  /** Topic the event is published on (its own unless a rule routes it). */
  publishAs: string;
  windows: WindowPlan[];
}

export class RuleSet {
  private readonly rules: { spec: RuleSpec; pattern: TopicPattern }[];
  private readonly plans = new Map<string, TopicPlan>();

  constructor(specs: readonly RuleSpec[]) {
    this.rules = specs.map((spec) => ({ spec, pattern: compilePattern(spec.match) }));
  }

  get size(): number {
    return this.rules.length;
  }

  /**
   * The plan of a topic. The first matching rule with a `route` names the
   * published topic; every matching rule adds its windows, and where two
   * rules use the same window label the first one's field and grace hold.
   */
  plan(topic: string): TopicPlan {
    let plan = this.plans.get(topic);
    if (plan) return plan;
    plan = { publishAs: topic, windows: [] };
    let routed = false;
    this.rules.forEach(({ spec, pattern }, index) => {
      const captures = pattern.match(topic);
      if (!captures) return;
      if (spec.route !== undefined && !routed) {
        plan!.publishAs = fillRoute(spec.route, captures);
        routed = true;
      }
      if (!spec.aggregate || !spec.windows) return;
      for (const label of spec.windows) {
        const same = plan!.windows.find((w) => w.label === label);
        if (same) {
          for (const fn of spec.aggregate) if (!same.functions.includes(fn)) same.functions.push(fn);
          continue;
        }
        plan!.windows.push({
          label,
          ms: parseDuration(label)!,
          graceMs: parseDuration(spec.grace ?? DEFAULT_GRACE)!,
          functions: [...spec.aggregate],
          path: spec.field === undefined || spec.field === 'value' ? [] : spec.field.split('.').slice(1),
          rule: index,
        });
      }
    });
    // Bounded: a topic flood must not grow the cache without limit.
    if (this.plans.size >= 100_000) this.plans.clear();
    this.plans.set(topic, plan);
    return plan;
  }
}

/** The empty rule set: every event passes through unchanged. */
export const NO_RULES = new RuleSet([]);
