/**
 * The memory broker's packed history against a plain array doing the same:
 * any mix of appends (bodies of any size and script) and trims keeps the same
 * entries, positions and predecessor, across ring growth, wrap-around and
 * freed pages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PackedHistory } from '../../bus/packed-history.js';

type Op = { push: string; gap: number } | { drop: number };

test('packed history behaves like an array of entries under any appends and trims', () => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ push: fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constant('x'.repeat(5000))), gap: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ drop: fc.integer({ min: 0, max: 40 }) }) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 0, max: 60 }), (ops, probe) => {
      const packed = new PackedHistory();
      const reference: { id: string; body: string }[] = [];
      let dropped = '0-0';
      let ms = 1_700_000_000_000;
      let seq = 0;
      for (const o of ops) {
        if ('push' in o) {
          if (o.gap > 0) {
            ms += o.gap;
            seq = 0;
          } else {
            seq++;
          }
          packed.push(ms, seq, o.push);
          reference.push({ id: `${ms}-${seq}`, body: o.push });
        } else {
          const n = Math.min(o.drop, reference.length);
          if (n > 0) dropped = reference[n - 1].id;
          reference.splice(0, n);
          packed.dropFirst(o.drop);
        }
      }
      assert.equal(packed.length, reference.length);
      assert.deepEqual(packed.slice(0), reference);
      assert.equal(packed.lastDroppedId(), dropped);
      if (reference.length > 0) {
        const i = probe % reference.length;
        assert.equal(packed.idAt(i), reference[i].id);
        assert.equal(packed.position(reference[i].id), i + 1);
        assert.equal(packed.position(reference[i].id, true), i);
        assert.deepEqual(packed.slice(i, i + 3), reference.slice(i, i + 3));
      }
      assert.equal(packed.position('0-0'), 0);
      assert.equal(packed.position('99999999999999-0'), reference.length);
    }),
    { numRuns: 300 },
  );
});
