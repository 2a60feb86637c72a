/**
 * Topic patterns of aggregation rules: segments separated by ".", where `*`
 * stands for exactly one segment ("hosts.*.cpu" matches "hosts.a.cpu", not
 * "hosts.a.b.cpu"). A match yields what each `*` stood for, so a route such
 * as "cpu.{1}" can reuse it.
 */
import { topicProblem } from '../protocol/index.js';

export interface TopicPattern {
  readonly source: string;
  /** Number of `*` segments. */
  readonly wildcards: number;
  /** The segments each `*` matched, in order, or null when `topic` does not match. */
  match(topic: string): string[] | null;
}

/** Why `pattern` is not a usable topic pattern, or null when it is. */
export function patternProblem(pattern: string): string | null {
  if (pattern.split('.').some((s) => s !== '*' && s.includes('*'))) return 'pattern may use "*" only as a whole segment';
  // A "*" segment stands for any valid segment; check the rest as a topic.
  const problem = topicProblem(pattern.split('.').map((s) => (s === '*' ? 'x' : s)).join('.'));
  return problem ? problem.replace(/^topic/, 'pattern') : null;
}

/** Compiles a pattern already checked with `patternProblem`. */
export function compilePattern(source: string): TopicPattern {
  const segments = source.split('.');
  const wildcards = segments.filter((s) => s === '*').length;
  if (wildcards === 0) {
    return { source, wildcards, match: (topic) => (topic === source ? [] : null) };
  }
  return {
    source,
    wildcards,
    match(topic) {
      const parts = topic.split('.');
      if (parts.length !== segments.length) return null;
      const captures: string[] = [];
      for (let i = 0; i < segments.length; i++) {
        if (segments[i] === '*') captures.push(parts[i]);
        else if (segments[i] !== parts[i]) return null;
      }
      return captures;
    },
  };
}

/** Fills `{1}`, `{2}`… of a route template with a match's captures. */
export function fillRoute(template: string, captures: readonly string[]): string {
  return template.replace(/\{(\d+)\}/g, (_, n: string) => captures[Number(n) - 1] ?? '');
}
