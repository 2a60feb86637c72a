/**
 * The chaos suite's checker must fail on exactly what it is there to catch:
 * a silent loss, a duplicate, a reordering; and accept a loss only when a
 * gap or reset told the client about it. Properties over generated delivery
 * records, plus the cases by name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Mark } from '../chaos/support/chaos-client.js';
import { judgeTopic } from '../chaos/support/checker.js';

const msg = (seq: number): Mark => ({ kind: 'msg', id: `1-${seq}`, seq, at: 0 });
const gap = (): Mark => ({ kind: 'gap', since: '1-0', at: 0 });
const reset = (): Mark => ({ kind: 'reset', at: 0, frame: { op: 'reset' } });
const upTo = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i + 1));

test('everything acknowledged received once, in order: clean verdict', () => {
  const v = judgeTopic([1, 2, 3, 4].map(msg), upTo(4));
  assert.deepEqual([v.lost, v.duplicated, v.outOfOrder, v.told, v.received], [[], 0, 0, 0, 4]);
});

test('a silently missing acknowledged number is lost; an unacknowledged one is not owed', () => {
  assert.deepEqual(judgeTopic([1, 2, 4].map(msg), upTo(4)).lost, [3]);
  assert.deepEqual(judgeTopic([1, 2, 4].map(msg), new Set([1, 2, 4])).lost, []);
  assert.deepEqual(judgeTopic([1, 2].map(msg), upTo(4)).lost, [3, 4], 'missing at the end');
});

test('a gap or reset covers what is missing between the messages around it, and nothing else', () => {
  const v = judgeTopic([msg(1), msg(2), gap(), msg(5), msg(7)], upTo(7));
  assert.deepEqual(v.lost, [6]);
  assert.equal(v.told, 2);
  assert.deepEqual(judgeTopic([msg(1), reset()], upTo(3)).lost, [], 'a trailing reset covers the rest');
});

test('duplicates and reordering are counted; a re-send right after a reset is not a duplicate', () => {
  assert.equal(judgeTopic([1, 2, 2, 3].map(msg), upTo(3)).duplicated, 1);
  assert.equal(judgeTopic([1, 3, 2].map(msg), upTo(3)).outOfOrder, 1);
  assert.equal(judgeTopic([msg(1), msg(2), reset(), msg(2), msg(3)], upTo(3)).duplicated, 0);
});

test('latest mode: conflated delivery passes when it ends at the newest number, fails otherwise', () => {
  assert.deepEqual(judgeTopic([1, 5, 9].map(msg), upTo(9), 'latest').lost, []);
  assert.deepEqual(judgeTopic([1, 5, 8].map(msg), upTo(9), 'latest').lost, [9]);
  assert.equal(judgeTopic([1, 5, 4, 9].map(msg), upTo(9), 'latest').outOfOrder, 1);
});

test('property: removing any acknowledged number from a clean record without a marker is caught as lost', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, pick) => {
      const missing = (pick % n) + 1;
      const marks = Array.from({ length: n }, (_, i) => i + 1)
        .filter((s) => s !== missing)
        .map(msg);
      assert.deepEqual(judgeTopic(marks, upTo(n)).lost, [missing]);
      // The same record with a gap where the number was: told, not lost.
      const told = [...marks];
      told.splice(missing - 1, 0, gap());
      assert.deepEqual(judgeTopic(told, upTo(n)).lost, []);
    }),
  );
});

test('property: a record with any number repeated has a duplicate, with any two swapped is out of order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), (n, pick) => {
      const seqs = Array.from({ length: n }, (_, i) => i + 1);
      const at = pick % (n - 1);
      const repeated = [...seqs.slice(0, at + 1), seqs[at], ...seqs.slice(at + 1)];
      assert.equal(judgeTopic(repeated.map(msg), upTo(n)).duplicated, 1);
      const swapped = [...seqs];
      [swapped[at], swapped[at + 1]] = [swapped[at + 1], swapped[at]];
      assert.equal(judgeTopic(swapped.map(msg), upTo(n)).outOfOrder, 1);
    }),
  );
});
