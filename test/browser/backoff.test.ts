import { backoffDelay, DEFAULT_BACKOFF } from '../../widgets/connection/backoff.js';
import { equal, ok } from './support/assert.js';

describe('backoff', () => {
  it('the first retry waits a random time below the 500 ms base', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(0);
      ok(delay >= 0 && delay < 500, `delay ${delay} is outside [0, 500)`);
    }
  });

  it('the ceiling doubles per attempt and stops at the 30 s cap (full jitter spans the whole range)', () => {
    const almostOne = () => 0.999999;
    equal(backoffDelay(0, DEFAULT_BACKOFF, almostOne), 499);
    equal(backoffDelay(1, DEFAULT_BACKOFF, almostOne), 999);
    equal(backoffDelay(5, DEFAULT_BACKOFF, almostOne), 15_999);
    equal(backoffDelay(6, DEFAULT_BACKOFF, almostOne), 29_999);
    equal(backoffDelay(60, DEFAULT_BACKOFF, almostOne), 29_999);
    equal(backoffDelay(6, DEFAULT_BACKOFF, () => 0), 0, 'full jitter reaches down to zero');
  });

  it('a huge attempt count does not overflow to Infinity or NaN', () => {
    const delay = backoffDelay(10_000, { baseMs: 500, capMs: 30_000 }, () => 0.5);
    equal(delay, 15_000);
  });
});
