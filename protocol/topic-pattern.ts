/**
 * Topic patterns: segments separated by ".", where `*` stands for exactly one
 * segment ("hosts.*.cpu" matches "hosts.a.cpu", not "hosts.a.b.cpu") and a
 * final `**` stands for one or more segments, the rest of the topic
 * ("acme.**" matches "acme.a" and "acme.a.b", not "acme"). Token grants and
 * public topics use both; aggregation rules use `*` only, because a route
 * refers to what each `*` matched.
 */
import { topicProblem } from './topic.js';

export interface TopicPattern {
  readonly source: string;
  /** Number of `*` segments (a final `**` is not counted). */
  readonly wildcards: number;
  /** The segments each `*` matched, in order (then the rest for `**`), or null when `topic` does not match. */
  match(topic: string): string[] | null;
}

export interface PatternOptions {
  /** Whether a final `**` (the rest) is allowed (default true). */
  rest?: boolean;
}

/** Why `pattern` is not a usable topic pattern, or null when it is. */
export function patternProblem(pattern: unknown, options: PatternOptions = {}): string | null {
  if (typeof pattern !== 'string') return 'pattern must be a string';
  const rest = options.rest ?? true;
  const segments = pattern.split('.');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === '**') {
      if (!rest) return 'pattern may use "*" only as a whole segment ("**" is not allowed here)';
      if (i !== segments.length - 1) return 'pattern may use "**" only as its last segment';
      if (segments.length === 1) return 'pattern "**" alone would match every topic; give a prefix such as "acme.**"';
    } else if (s !== '*' && s.includes('*')) {
      return rest ? 'pattern may use "*" and "**" only as whole segments' : 'pattern may use "*" only as a whole segment';
    }
  }
  // A wildcard segment stands for any valid segment; check the rest as a topic.
  const problem = topicProblem(segments.map((s) => (s === '*' || s === '**' ? 'x' : s)).join('.'));
  return problem ? problem.replace(/^topic/, 'pattern') : null;
}

/** Compiles a pattern already checked with `patternProblem`. */
export function compilePattern(source: string): TopicPattern {
  const segments = source.split('.');
  const rest = segments[segments.length - 1] === '**';
  if (rest) segments.pop();
  const wildcards = segments.filter((s) => s === '*').length;
  if (wildcards === 0 && !rest) {
    return { source, wildcards, match: (topic) => (topic === source ? [] : null) };
  }
  return {
    source,
    wildcards,
    match(topic) {
      const parts = topic.split('.');
      if (rest ? parts.length <= segments.length : parts.length !== segments.length) return null;
      const captures: string[] = [];
      for (let i = 0; i < segments.length; i++) {
        if (segments[i] === '*') captures.push(parts[i]);
        else if (segments[i] !== parts[i]) return null;
      }
      if (rest) captures.push(parts.slice(segments.length).join('.'));
      return captures;
    },
  };
}

/** True when any of `patterns` matches `topic`. */
export function matchesAny(patterns: readonly TopicPattern[], topic: string): boolean {
  for (const p of patterns) if (p.match(topic) !== null) return true;
  return false;
}
