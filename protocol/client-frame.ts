/**
 * Decoding and validation of client frames. The gateway runs every incoming
 * text frame through `decodeClientFrame`; the browser's connection manager
 * uses the encoders so both sides agree by construction.
 */
import { ErrorCode } from './errors.js';
import { MAX_REF, MAX_SNAPSHOT, MAX_TOKEN_LENGTH, MAX_SNAPSHOT_MS, MAX_TOPICS_PER_FRAME } from './limits.js';
import { isEpoch, isMessageId } from './message-id.js';
import type { AuthFrame, ClientFrame, PingFrame, SubscribeFrame, SubscribeTopic, UnsubscribeFrame } from './messages.js';
import { topicProblem } from './topic.js';

/** Why a client frame was refused; becomes an `error` frame. */
export interface FrameError {
  code: ErrorCode;
  message: string;
  ref?: number;
  topic?: string;
}

export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; error: FrameError };

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: ErrorCode, message: string, ref?: number, topic?: string): DecodeResult {
  const error: FrameError = { code, message };
  if (ref !== undefined) error.ref = ref;
  if (topic !== undefined) error.topic = topic;
  return { ok: false, error };
}

function readRef(frame: Obj): number | undefined | FrameError {
  const ref = frame.ref;
  if (ref === undefined) return undefined;
  if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 0 || ref > MAX_REF) {
    return { code: ErrorCode.BadField, message: `ref must be an integer from 0 to ${MAX_REF}` };
  }
  return ref;
}

function checkKeys(frame: Obj, allowed: readonly string[], where: string): string | null {
  for (const key of Object.keys(frame)) {
    if (!allowed.includes(key)) return `${where} has an unknown field "${key}"`;
  }
  return null;
}

function decodeSub(frame: Obj, ref: number | undefined): DecodeResult {
  const extra = checkKeys(frame, ['op', 'ref', 'topics'], 'sub');
  if (extra) return fail(ErrorCode.BadField, extra, ref);
  const topics = frame.topics;
  if (!Array.isArray(topics) || topics.length === 0) {
    return fail(ErrorCode.BadField, 'sub.topics must be a non-empty array', ref);
  }
  if (topics.length > MAX_TOPICS_PER_FRAME) {
    return fail(ErrorCode.TooManyTopics, `sub.topics has ${topics.length} entries; at most ${MAX_TOPICS_PER_FRAME} per frame`, ref);
  }
  const out: SubscribeTopic[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < topics.length; i++) {
    const entry = topics[i];
    if (!isObject(entry)) return fail(ErrorCode.BadField, `sub.topics[${i}] must be an object {topic, since?, epoch?, snapshot?, snapshotMs?}`, ref);
    const keys = checkKeys(entry, ['topic', 'since', 'epoch', 'snapshot', 'snapshotMs'], `sub.topics[${i}]`);
    if (keys) return fail(ErrorCode.BadField, keys, ref);
    const problem = topicProblem(entry.topic);
    if (problem) return fail(ErrorCode.BadTopic, `sub.topics[${i}]: ${problem}`, ref, typeof entry.topic === 'string' ? entry.topic : undefined);
    const topic = entry.topic as string;
    if (seen.has(topic)) return fail(ErrorCode.BadField, `sub.topics[${i}]: topic "${topic}" is listed twice`, ref, topic);
    seen.add(topic);
    const item: SubscribeTopic = { topic };
    if (entry.since !== undefined) {
      if (!isMessageId(entry.since)) return fail(ErrorCode.BadSince, `sub.topics[${i}].since must be a message id like "1700000000000-0"`, ref, topic);
      item.since = entry.since;
    }
    if (entry.epoch !== undefined) {
      if (!isEpoch(entry.epoch)) return fail(ErrorCode.BadField, `sub.topics[${i}].epoch must be 1 to 32 characters of A-Z, a-z, 0-9, _ and -`, ref, topic);
      item.epoch = entry.epoch;
    }
    if (entry.snapshot !== undefined) {
      const n = entry.snapshot;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_SNAPSHOT) {
        return fail(ErrorCode.BadField, `sub.topics[${i}].snapshot must be an integer from 0 to ${MAX_SNAPSHOT}`, ref, topic);
      }
      item.snapshot = n;
    }
    if (entry.snapshotMs !== undefined) {
      const ms = entry.snapshotMs;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > MAX_SNAPSHOT_MS) {
        return fail(ErrorCode.BadField, `sub.topics[${i}].snapshotMs must be an integer from 1 to ${MAX_SNAPSHOT_MS}`, ref, topic);
      }
      item.snapshotMs = ms;
    }
    out.push(item);
  }
  const result: SubscribeFrame = { op: 'sub', topics: out };
  if (ref !== undefined) result.ref = ref;
  return { ok: true, frame: result };
}

function decodeUnsub(frame: Obj, ref: number | undefined): DecodeResult {
  const extra = checkKeys(frame, ['op', 'ref', 'topics'], 'unsub');
  if (extra) return fail(ErrorCode.BadField, extra, ref);
  const topics = frame.topics;
  if (!Array.isArray(topics) || topics.length === 0) {
    return fail(ErrorCode.BadField, 'unsub.topics must be a non-empty array of topic names', ref);
  }
  if (topics.length > MAX_TOPICS_PER_FRAME) {
    return fail(ErrorCode.TooManyTopics, `unsub.topics has ${topics.length} entries; at most ${MAX_TOPICS_PER_FRAME} per frame`, ref);
  }
  const seen = new Set<string>();
  for (let i = 0; i < topics.length; i++) {
    const topic: unknown = topics[i];
    const problem = topicProblem(topic);
    if (problem) return fail(ErrorCode.BadTopic, `unsub.topics[${i}]: ${problem}`, ref, typeof topic === 'string' ? topic : undefined);
    if (seen.has(topic as string)) return fail(ErrorCode.BadField, `unsub.topics[${i}]: topic "${topic}" is listed twice`, ref, topic as string);
    seen.add(topic as string);
  }
  const result: UnsubscribeFrame = { op: 'unsub', topics: topics as string[] };
  if (ref !== undefined) result.ref = ref;
  return { ok: true, frame: result };
}

/**
 * Parses and validates one client text frame. Never throws: every failure is
 * returned as a `FrameError` with a specific code and a message naming the
 * offending field.
 */
export function decodeClientFrame(text: string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(ErrorCode.BadJson, 'frame is not valid JSON');
  }
  if (!isObject(parsed)) return fail(ErrorCode.BadFrame, 'frame must be a JSON object');
  const ref = readRef(parsed);
  if (typeof ref === 'object') return { ok: false, error: ref };
  const op = parsed.op;
  if (typeof op !== 'string') return fail(ErrorCode.BadFrame, 'frame must have a string "op"', ref);
  switch (op) {
    case 'sub':
      return decodeSub(parsed, ref);
    case 'unsub':
      return decodeUnsub(parsed, ref);
    case 'ping': {
      const extra = checkKeys(parsed, ['op', 'ref'], 'ping');
      if (extra) return fail(ErrorCode.BadField, extra, ref);
      const frame: PingFrame = { op: 'ping' };
      if (ref !== undefined) frame.ref = ref;
      return { ok: true, frame };
    }
    case 'auth': {
      const extra = checkKeys(parsed, ['op', 'ref', 'token'], 'auth');
      if (extra) return fail(ErrorCode.BadField, extra, ref);
      const token = parsed.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        return fail(ErrorCode.BadField, `auth.token must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`, ref);
      }
      const frame: AuthFrame = { op: 'auth', token };
      if (ref !== undefined) frame.ref = ref;
      return { ok: true, frame };
    }
    default:
      return fail(ErrorCode.UnknownOp, `unknown op "${op.slice(0, 40)}"; expected sub, unsub, ping or auth`, ref);
  }
}

/** Encodes a client frame (used by the browser's connection manager and tests). */
export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}
