/**
 * The few assertions the browser tests need (no assertion library is
 * installed). Failures name what was expected and what was found.
 */

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Fails unless `condition` holds. */
export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Fails unless `actual === expected`. */
export function equal<T>(actual: T, expected: T, message = 'values differ'): void {
  if (actual !== expected) throw new AssertionError(`${message}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Fails unless both serialize to the same JSON. */
export function deepEqual(actual: unknown, expected: unknown, message = 'values differ'): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new AssertionError(`${message}:\n  expected ${b}\n  got      ${a}`);
}

/** Fails unless `fn` throws an error whose `code` (or message) matches. */
export function throws(fn: () => unknown, code: string, message = 'expected an error'): void {
  try {
    fn();
  } catch (error) {
    const got = (error as { code?: string }).code ?? (error as Error).message;
    if (got !== code) throw new AssertionError(`${message}: expected code ${show(code)}, got ${show(got)}`);
    return;
  }
  throw new AssertionError(`${message}: nothing was thrown`);
}
