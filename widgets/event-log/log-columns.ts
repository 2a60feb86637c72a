/**
 * The `columns` of `<rt-event-log>`: which fields each row shows, with their
 * headers. Written as a comma-separated list of `field` or `field:Header`,
 * e.g. `columns="time, level, service:Service, msg:Message"`. `time`,
 * `level` and `text` (the event's message: `data.msg`, `data.message` or
 * its JSON) are built in; anything else is a path into the event's `data`.
 * Values are shown as text, cut at `MAX_CELL` characters.
 */
import type { Json } from '../../protocol/index.js';
import { compileFieldPath, fieldPathProblem } from '../field-path.js';
import type { EventRow } from './log-row.js';

/** One column. */
export interface LogColumn {
  field: string;
  header: string;
  keys: readonly string[];
}

/** The columns when the attribute is unset. */
export const DEFAULT_COLUMNS = 'time, level, text';
const BUILT_IN: Record<string, string> = { time: 'Time', level: 'Level', text: 'Message' };
const MAX_COLUMNS = 12;
/** Longest text of an extra column's cell. */
export const MAX_CELL = 200;

/** The columns `text` names, or why it cannot (a message naming the attribute). */
export function parseColumns(text: string): LogColumn[] | string {
  const parts = (text.trim() || DEFAULT_COLUMNS).split(',').map((p) => p.trim());
  if (parts.length > MAX_COLUMNS) return `columns must name at most ${MAX_COLUMNS} fields, got ${parts.length}`;
  const columns: LogColumn[] = [];
  for (const part of parts) {
    const colon = part.indexOf(':');
    const field = (colon < 0 ? part : part.slice(0, colon)).trim();
    const header = colon < 0 ? (BUILT_IN[field] ?? field) : part.slice(colon + 1).trim();
    const problem = fieldPathProblem(field);
    if (problem) return `columns must be a comma-separated list of fields (field or field:Header), each ${problem}; got "${part}"`;
    columns.push({ field, header, keys: field in BUILT_IN ? [] : compileFieldPath(field) });
  }
  return columns;
}

/** The text of an extra column's cell for `row`. */
export function cellText(row: EventRow, column: LogColumn): string {
  let at: Json | undefined = row.data;
  for (const key of column.keys) {
    if (at === null || typeof at !== 'object') return '';
    at = (at as Record<string, Json>)[key];
  }
  if (at === undefined || at === null) return '';
  const text = typeof at === 'string' ? at : JSON.stringify(at);
  return text.length > MAX_CELL ? text.slice(0, MAX_CELL) + '…' : text;
}
