/**
 * History retention per topic: keep at least the newest `messages` of a
 * topic, and at least everything younger than `ageMs`, whichever keeps more,
 * so a client that was away for `ageMs` resumes without a gap even on a busy
 * topic. Rules are matched by topic pattern (`*` is one segment), first
 * match wins. The engines' hard cap per topic (`historyMaxLen`) still
 * applies above any rule.
 */

export interface Retention {
  /** Fewest messages kept (the newest ones). */
  messages: number;
  /** Messages younger than this (ms) are kept too. */
  ageMs: number;
}

export interface RetentionRule extends Retention {
  /** Topic pattern: segments separated by `.`, `*` matches one segment. */
  pattern: string;
}

/** Without rules: 10 000 messages or 10 minutes, whichever keeps more. */
export const DEFAULT_RETENTION: Retention = { messages: 10_000, ageMs: 600_000 };

/** The default rules as text (`RT_HISTORY_RETENTION`'s default). */
export const DEFAULT_RETENTION_TEXT = '*=10000/10m';

/** A topic pattern as a regular expression (`*` = one segment). */
function patternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('.')
    .map((segment) => (segment === '*' ? '[^.]+' : segment.replace(/[-:]/g, (c) => `\\${c}`)))
    .join('\\.');
  return new RegExp(`^${source}$`);
}

/** Resolves a topic's retention from rules; caches per topic (topics repeat). */
export class RetentionPolicy {
  private readonly compiled: { test: RegExp; retention: Retention }[];
  private readonly cache = new Map<string, Retention>();

  constructor(
    rules: readonly RetentionRule[] = [],
    private readonly fallback: Retention = DEFAULT_RETENTION,
  ) {
    this.compiled = rules.map((rule) => ({ test: patternRegExp(rule.pattern), retention: { messages: rule.messages, ageMs: rule.ageMs } }));
  }

  of(topic: string): Retention {
    let retention = this.cache.get(topic);
    if (retention === undefined) {
      retention = this.compiled.find((rule) => rule.test.test(topic))?.retention ?? this.fallback;
      // Bounded: a flood of distinct topics must not grow the cache forever.
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(topic, retention);
    }
    return retention;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN_SEGMENT = /^(\*|[A-Za-z0-9_:-]+)$/;

/**
 * Parses `pattern=messages/duration` rules separated by commas, e.g.
 * `api.*=50000/30m, *=10000/10m` (durations in ms, s, m, h or d). Throws an
 * Error whose message names the rule and what is wrong with it.
 */
export function parseRetentionRules(text: string): RetentionRule[] {
  const rules: RetentionRule[] = [];
  for (const raw of text.split(',')) {
    const rule = raw.trim();
    if (rule === '') continue;
    const match = /^([^=\s]+)\s*=\s*(\d{1,12})\s*\/\s*(\d{1,12})\s*(ms|s|m|h|d)$/.exec(rule);
    if (!match) throw new Error(`rule "${rule.slice(0, 80)}" must look like <topic pattern>=<messages>/<duration>, e.g. api.*=50000/30m`);
    const [, pattern, messages, amount, unit] = match;
    if (!pattern.split('.').every((segment) => PATTERN_SEGMENT.test(segment))) {
      throw new Error(`rule "${rule.slice(0, 80)}": pattern "${pattern.slice(0, 80)}" must be topic segments or * separated by "."`);
    }
    rules.push({ pattern, messages: Number(messages), ageMs: Number(amount) * UNITS[unit] });
  }
  if (rules.length === 0) throw new Error('at least one rule is needed, e.g. *=10000/10m');
  return rules;
}
