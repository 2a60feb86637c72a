/**
 * Topic names. A topic is one or more segments joined by `.`; a segment is
 * letters, digits, `_`, `-` or `:`. Braces are excluded on purpose: Redis
 * key names wrap the topic in a `{hash tag}`, so a brace inside a topic would
 * move its keys to another cluster slot.
 */

/** Longest topic name, in characters. */
export const TOPIC_MAX_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9_:-]+$/;
/** A whole valid topic in one match: the fast path for the common case. */
const TOPIC = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;

/**
 * First segment of the topics rt publishes about itself (`$sys.gateway.<id>.connections`).
 * `$` is allowed there only, so no producer topic can collide with them; ingest refuses them.
 */
export const SYSTEM_SEGMENT = '$sys';

/** True when `topic` is one of rt's own `$sys.…` topics. */
export function isSystemTopic(topic: string): boolean {
  return topic.startsWith(SYSTEM_SEGMENT + '.');
}

/**
 * Explains why `value` is not a valid topic name, or returns `null` when it is.
 * The explanation is meant for a human reading an error frame or HTTP body.
 */
export function topicProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'topic must be a string';
  if (value.length === 0) return 'topic must not be empty';
  if (value.length > TOPIC_MAX_LENGTH) return `topic is longer than ${TOPIC_MAX_LENGTH} characters`;
  if (TOPIC.test(value)) return null;
  const segments = value.split('.');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.length === 0) return 'topic has an empty segment (leading, trailing or doubled ".")';
    if (i === 0 && segment === SYSTEM_SEGMENT && segments.length > 1) continue;
    if (!SEGMENT.test(segment)) return 'topic may only contain letters, digits, "_", "-", ":" and "." between segments';
  }
  return null;
}

/** True when `value` is a valid topic name. */
export function isTopic(value: unknown): value is string {
  return topicProblem(value) === null;
}
