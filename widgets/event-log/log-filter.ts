/**
 * What `<rt-event-log>` lets through: rows whose text or column values
 * contain the `filter` text (case-insensitive), at or above `min-level`.
 * Gap markers always pass: a reader must know events were lost.
 */
import { cellText, type LogColumn } from './log-columns.js';
import type { LogLevel, LogRow } from './log-row.js';

/** The levels, least severe first; `min-level` takes one of them. */
export const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A compiled filter; `null` lets everything through. */
export type RowFilter = ((row: LogRow) => boolean) | null;

/** The filter for this text and level (both may be empty). */
export function rowFilter(text: string, minLevel: string, columns: readonly LogColumn[]): RowFilter {
  const needle = text.trim().toLowerCase();
  const min = LEVELS.indexOf(minLevel as LogLevel);
  if (!needle && min <= 0) return null;
  const extra = columns.filter((c) => c.keys.length > 0);
  return (row) => {
    if (row.kind === 'gap') return true;
    if (min > 0 && LEVELS.indexOf(row.level) < min) return false;
    if (!needle) return true;
    if (row.text.toLowerCase().includes(needle)) return true;
    for (const column of extra) if (cellText(row, column).toLowerCase().includes(needle)) return true;
    return false;
  };
}
