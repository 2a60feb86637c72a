/**
 * Topic patterns of aggregation rules: the protocol's patterns
 * (protocol/topic-pattern.ts) with `*` only, since a route such as
 * "cpu.{1}" refers to what each `*` matched.
 */
import { compilePattern, patternProblem as protocolPatternProblem, type TopicPattern } from '../protocol/index.js';

export { compilePattern, type TopicPattern };

/** Why `pattern` is not a usable rule pattern, or null when it is. */
export function patternProblem(pattern: string): string | null {
  return protocolPatternProblem(pattern, { rest: false });
}

/** Fills `{1}`, `{2}`… of a route template with a match's captures. */
export function fillRoute(template: string, captures: readonly string[]): string {
  return template.replace(/\{(\d+)\}/g, (_, n: string) => captures[Number(n) - 1] ?? '');
}
