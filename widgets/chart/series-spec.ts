/**
 * What each line of an `<rt-chart>` is: from its `<rt-series>` children when
 * it has any, else one per topic of the `topics` shorthand.
 */
import { compileFieldPath, fieldPathProblem } from '../field-path.js';
import { parseTopicList } from '../topic-list.js';

/** One line of the chart. */
export interface SeriesSpec {
  topic: string;
  label: string;
  /** CSS colour, or '' for the theme's next series colour. */
  color: string;
  unit: string;
  field: string;
  keys: readonly string[];
}

/** The series of `chart`, or why one cannot be used. */
export function readSeries(chart: Element, topics: string, unit: string): SeriesSpec[] | string {
  const children = [...chart.children].filter((child) => child.localName === 'rt-series');
  if (children.length === 0) {
    return parseTopicList(topics).map((topic) => ({ topic, label: topic, color: '', unit, field: '', keys: [] }));
  }
  const specs: SeriesSpec[] = [];
  for (const [i, child] of children.entries()) {
    const topic = (child.getAttribute('topic') ?? '').trim();
    if (!topic) return `<rt-series> number ${i + 1} has no topic attribute`;
    const field = (child.getAttribute('field') ?? '').trim();
    const problem = field ? fieldPathProblem(field) : null;
    if (problem) return `<rt-series topic="${topic}"> field must be ${problem}, got "${field}"`;
    const color = (child.getAttribute('color') ?? '').trim();
    if (color && typeof CSS !== 'undefined' && !CSS.supports('color', color)) return `<rt-series topic="${topic}"> color must be a CSS colour, got "${color}"`;
    specs.push({ topic, label: child.getAttribute('label') || topic, color, unit: child.getAttribute('unit') ?? unit, field, keys: compileFieldPath(field) });
  }
  return specs;
}
