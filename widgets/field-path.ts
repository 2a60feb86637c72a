/**
 * Field paths as page authors write them in `field` and `columns`: dot-
 * separated keys into a message's `data` (`cpu.user`, `items.0.id`). The
 * path `value` (or none) means the message's own `value`.
 */
import type { Json, Message } from '../protocol/index.js';

const PATH = /^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/;

/** Why `path` is not a usable field path, or null. */
export function fieldPathProblem(path: string): string | null {
  if (path.length > 200) return 'a path of at most 200 characters';
  return PATH.test(path) ? null : 'a dot-separated path into data, such as "cpu.user"';
}

/** Splits a valid path once, so reading it per message allocates nothing. */
export function compileFieldPath(path: string): readonly string[] {
  return path === '' || path === 'value' ? [] : path.split('.');
}

/** The value at `keys` in the message (its `value` when `keys` is empty), or undefined. */
export function readField(message: Message, keys: readonly string[]): Json | undefined {
  if (keys.length === 0) return message.value;
  let at: Json | undefined = message.data;
  for (const key of keys) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, Json>)[key];
  }
  return at;
}

/** The number at `keys`, or undefined when it is missing or not a finite number. */
export function readNumber(message: Message, keys: readonly string[]): number | undefined {
  const value = readField(message, keys);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
