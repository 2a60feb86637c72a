/**
 * The frame-rate guard keeps no bucket for a connection whose bucket has
 * refilled: dropping it (the gateway's sweep calls `refilled`) must never
 * change which frames are admitted, warned about or closed on. Checked
 * against a plain token bucket that is never dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameRateGuard, type FrameBucket, type FrameRate, type Guarded } from '../../gateway/frame-rate-guard.js';
import { TokenBucket } from '../../protocol/index.js';

class FakeConnection implements Guarded {
  frameBucket: FrameBucket | null = null;
  readonly events: string[] = [];
  constructor(public frameRate: FrameRate | null) {}
  sendFrameError(error: { code: string }): void {
    this.events.push(`error ${error.code}`);
  }
  closeWith(code: number): void {
    this.events.push(`close ${code}`);
  }
  pauseReading(): void {
    this.events.push('pause');
  }
  terminate(): void {
    this.events.push('terminate');
  }
}

/** What the guard did before buckets could be dropped: one TokenBucket per connection, kept for good. */
function reference(rate: FrameRate, times: readonly number[]): { admitted: boolean[]; events: string[] } {
  const bucket = new TokenBucket(rate.framesPerSecond, rate.frameBurst, times[0] ?? 0);
  let dropped = 0;
  let closing = false;
  const events: string[] = [];
  const admitted = times.map((now) => {
    if (closing) return false;
    if (bucket.take(now)) {
      if (dropped > 0 && bucket.wait() === 0) dropped = 0;
      return true;
    }
    dropped++;
    if (dropped === 1) events.push('error rate_limited');
    else if (dropped > rate.frameBurst) {
      closing = true;
      events.push('close 4029', 'pause');
    }
    return false;
  });
  return { admitted, events };
}

test('dropping refilled buckets never changes what is admitted, warned or closed', () => {
  fc.assert(
    fc.property(
      fc.record({ framesPerSecond: fc.integer({ min: 1, max: 50 }), frameBurst: fc.integer({ min: 1, max: 20 }) }),
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), sweep: fc.boolean() }), { maxLength: 120 }),
      (rate, steps) => {
        let now = 1_000_000;
        const times = steps.map((s) => (now += s.gap));
        const expected = reference(rate, times);
        const guard = new FrameRateGuard(() => {});
        const connection = new FakeConnection(rate);
        const admitted = steps.map((step, i) => {
          if (step.sweep) guard.refilled(connection, times[i]);
          return guard.admit(connection, times[i]);
        });
        assert.deepEqual(admitted, expected.admitted);
        assert.deepEqual(connection.events, expected.events);
      },
    ),
    { numRuns: 300 },
  );
});

test('an idle connection holds no bucket once it has refilled; one without a rate is never limited', () => {
  const guard = new FrameRateGuard(() => {});
  const connection = new FakeConnection({ framesPerSecond: 10, frameBurst: 5 });
  assert.equal(guard.admit(connection, 0), true);
  assert.notEqual(connection.frameBucket, null);
  guard.refilled(connection, 50);
  assert.notEqual(connection.frameBucket, null, 'not yet refilled after 50 ms at 10/s');
  guard.refilled(connection, 100);
  assert.equal(connection.frameBucket, null);
  const open = new FakeConnection(null);
  for (let i = 0; i < 1000; i++) assert.equal(guard.admit(open, 0), true);
  assert.equal(open.frameBucket, null);
});
