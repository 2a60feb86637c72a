/**
 * The producer event: the one schema shared by the HTTP ingest API and by
 * the processor when it reads entries that producers wrote to the ingest
 * stream directly.
 */
import { isSystemTopic, topicProblem } from '../protocol/index.js';
import type { Json } from '../protocol/index.js';
import type { IngestEvent } from './ingest-log.js';

/** Largest `data` object of one event, as JSON text, in bytes (UTF-16 units). */
export const MAX_EVENT_DATA_CHARS = 64 * 1024;

/** Deepest nesting of objects and arrays inside `data`. */
export const MAX_EVENT_DATA_DEPTH = 32;

const KNOWN = new Set(['topic', 'value', 'data', 'ts', 'id']);

/** Longest producer event id (and Idempotency-Key), in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** Why an idempotency key (event id or Idempotency-Key header) is unusable, or null. */
export function idempotencyKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return 'must be a string';
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  // Printable ASCII only: the key becomes part of a Redis key and a log line.
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return 'may only contain printable ASCII characters (no spaces)';
  }
  return null;
}

/**
 * True when `root` nests objects/arrays deeper than `limit`. Iterative on
 * purpose: recursive code (JSON.stringify included) would overflow the stack
 * on the hostile inputs this exists to refuse.
 */
function nestsDeeperThan(root: object, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Object.values(value as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A valid event, with the producer's idempotency id when it gave one. */
export type EventCheck = { ok: true; event: IngestEvent; id?: string } | { ok: false; problem: string };

/**
 * Validates one producer event: `{topic, value?, data?, ts?, id?}` with at
 * least one of value/data. A missing `ts` becomes `now`; `id` is the
 * producer's idempotency id (not stored with the event). The problem text names the
 * offending field.
 */
export function checkEvent(raw: unknown, now: number): EventCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: 'event must be a JSON object {topic, value?, data?, ts?}' };
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN.has(key)) return { ok: false, problem: `unknown field "${key.slice(0, 40)}"; allowed: topic, value, data, ts, id` };
  }
  const problem = topicProblem(obj.topic);
  if (problem) return { ok: false, problem: obj.topic === undefined ? 'topic is required' : problem };
  if (isSystemTopic(obj.topic as string)) return { ok: false, problem: 'topics under "$sys." are rt\'s own; producers cannot publish them' };
  const event: IngestEvent = { topic: obj.topic as string, ts: now };
  if (obj.value !== undefined) {
    if (typeof obj.value !== 'number' || !Number.isFinite(obj.value)) return { ok: false, problem: 'value must be a finite number' };
    event.value = obj.value;
  }
  if (obj.data !== undefined) {
    if (typeof obj.data !== 'object' || obj.data === null || Array.isArray(obj.data)) {
      return { ok: false, problem: 'data must be a JSON object' };
    }
    if (nestsDeeperThan(obj.data, MAX_EVENT_DATA_DEPTH)) {
      return { ok: false, problem: `data nests objects and arrays more than ${MAX_EVENT_DATA_DEPTH} levels deep` };
    }
    if (JSON.stringify(obj.data).length > MAX_EVENT_DATA_CHARS) {
      return { ok: false, problem: `data is larger than ${MAX_EVENT_DATA_CHARS} characters of JSON` };
    }
    event.data = obj.data as { [key: string]: Json };
  }
  if (event.value === undefined && event.data === undefined) return { ok: false, problem: 'event needs a value or data (or both)' };
  if (obj.ts !== undefined) {
    if (typeof obj.ts !== 'number' || !Number.isSafeInteger(obj.ts) || obj.ts < 0) {
      return { ok: false, problem: 'ts must be a non-negative integer (epoch milliseconds)' };
    }
    event.ts = obj.ts;
  }
  if (obj.id !== undefined) {
    const problem = idempotencyKeyProblem(obj.id);
    if (problem) return { ok: false, problem: `id ${problem}` };
    return { ok: true, event, id: obj.id as string };
  }
  return { ok: true, event };
}
