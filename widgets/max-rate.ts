import { MAX_MAX_RATE, MIN_MAX_RATE } from '../protocol/index.js';
import { WidgetError, WidgetErrorCode } from './widget-error.js';

/**
 * Reads a `max-rate` attribute (updates per second, sent to the gateway as
 * the subscription's `maxRate`): undefined when empty, else a number from
 * MIN_MAX_RATE to MAX_MAX_RATE, else a `bad_attribute` error naming it.
 */
export function parseMaxRate(text: string): number | undefined | WidgetError {
  if (text.trim() === '') return undefined;
  const rate = Number(text);
  if (Number.isFinite(rate) && rate >= MIN_MAX_RATE && rate <= MAX_MAX_RATE) return rate;
  return new WidgetError(WidgetErrorCode.BadAttribute, `max-rate must be a number of updates per second from ${MIN_MAX_RATE} to ${MAX_MAX_RATE}, got "${text}"`);
}

/** The rate to subscribe with (undefined when absent or invalid: the invalid case is reported by `validate`). */
export function maxRateOf(text: string): number | undefined {
  const parsed = parseMaxRate(text);
  return typeof parsed === 'number' ? parsed : undefined;
}

/** The attribute's problem, if any. */
export function maxRateProblem(text: string): WidgetError | null {
  const parsed = parseMaxRate(text);
  return parsed instanceof WidgetError ? parsed : null;
}
