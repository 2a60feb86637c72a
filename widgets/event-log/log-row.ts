/**
 * What one row of an event log shows, derived once when the message arrives
 * (rows are re-rendered as they scroll into view; parsing then would repeat).
 */
import type { GapFrame, Json, Message } from '../../protocol/index.js';

/** Severity shown on a row. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** An event row. */
export interface EventRow {
  kind: 'event';
  /** Stable identity for the virtualizer: the message id. */
  key: string;
  ts: number;
  level: LogLevel;
  text: string;
  /** The message's `data`, untouched, for extra columns (rendered as text, never as markup). */
  data?: { [key: string]: Json };
}

/** A marker where history could not reach back and events were lost. */
export interface GapRow {
  kind: 'gap';
  key: string;
  since: string;
  next?: string;
}

export type LogRow = EventRow | GapRow;

/** Longest message text kept per row; the rest of a huge payload is cut. */
export const MAX_TEXT = 2000;

const LEVEL_ALIASES: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'error',
  critical: 'error',
};

function levelOf(data: { [key: string]: Json } | undefined): LogLevel {
  const level = data?.level;
  return (typeof level === 'string' && LEVEL_ALIASES[level.toLowerCase()]) || 'info';
}

function textOf(message: Message): string {
  const data = message.data;
  let text: string;
  if (data && typeof data.msg === 'string') text = data.msg;
  else if (data && typeof data.message === 'string') text = data.message;
  else if (data) text = JSON.stringify(data);
  else text = message.value === undefined ? '' : String(message.value);
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text;
}

/** The row for one message: level from `data.level`, text from `data.msg`, `data.message`, or the JSON of `data`. */
export function eventRow(message: Message): EventRow {
  return { kind: 'event', key: message.id, ts: message.ts, level: levelOf(message.data), text: textOf(message), data: message.data };
}

let gaps = 0;

/** The marker row for a gap notice. */
export function gapRow(gap: GapFrame): GapRow {
  const row: GapRow = { kind: 'gap', key: `gap-${++gaps}`, since: gap.since };
  if (gap.next !== undefined) row.next = gap.next;
  return row;
}
