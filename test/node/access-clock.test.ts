/**
 * The one timer behind every connection's auth deadline and token expiry
 * (gateway/connection-access.ts): entries run once each, in due order, not
 * before their time; cancelled ones never run; a new time replaces the old.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AccessClock, type ConnectionAccess } from '../../gateway/connection-access.js';

interface Entry {
  dueAt: number;
  clockSlot: number;
  id: number;
  ranAt: number[];
  due(): void;
}

function entry(id: number): Entry {
  return {
    dueAt: 0,
    clockSlot: -1,
    id,
    ranAt: [],
    due() {
      this.ranAt.push(Date.now());
    },
  };
}

const asAccess = (e: Entry): ConnectionAccess => e as unknown as ConnectionAccess;

test('entries run once, in due order, never early; cancelled ones never; rescheduled ones at their new time', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ delay: fc.integer({ min: 0, max: 60 }), action: fc.constantFrom('keep', 'cancel', 'move'), moved: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 40 }),
      async (plan) => {
        const clock = new AccessClock();
        const start = Date.now();
        const entries = plan.map((_, i) => entry(i));
        plan.forEach((p, i) => clock.schedule(asAccess(entries[i]), start + p.delay));
        const expected = new Map<number, number>();
        plan.forEach((p, i) => {
          if (p.action === 'cancel') clock.cancel(asAccess(entries[i]));
          else if (p.action === 'move') {
            clock.schedule(asAccess(entries[i]), start + p.moved);
            expected.set(i, start + p.moved);
          } else expected.set(i, start + p.delay);
        });
        assert.equal(clock.size, expected.size);
        await new Promise((r) => setTimeout(r, 120));
        assert.equal(clock.size, 0, 'nothing left on the clock');
        const order: { id: number; at: number }[] = [];
        for (const e of entries) {
          const due = expected.get(e.id);
          if (due === undefined) {
            assert.equal(e.ranAt.length, 0, `cancelled entry ${e.id} ran`);
            continue;
          }
          assert.equal(e.ranAt.length, 1, `entry ${e.id} ran ${e.ranAt.length} times`);
          assert.ok(e.ranAt[0] >= due, `entry ${e.id} ran ${due - e.ranAt[0]} ms early`);
          order.push({ id: e.id, at: e.ranAt[0] });
        }
        // Run order follows due order (ties in any order).
        const byRun = [...order].sort((a, b) => a.at - b.at);
        for (let i = 1; i < byRun.length; i++) assert.ok(expected.get(byRun[i - 1].id)! <= expected.get(byRun[i].id)! || byRun[i - 1].at === byRun[i].at);
      },
    ),
    { numRuns: 15 },
  );
});

test('an entry due again from its own due() runs again, and one far in the future waits', async () => {
  const clock = new AccessClock();
  const twice = entry(1);
  let runs = 0;
  twice.due = function () {
    runs++;
    if (runs === 1) clock.schedule(asAccess(twice), Date.now() + 10);
  };
  clock.schedule(asAccess(twice), Date.now());
  const far = entry(2);
  clock.schedule(asAccess(far), Date.now() + 2 ** 40);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(runs, 2);
  assert.equal(far.ranAt.length, 0);
  assert.equal(clock.size, 1);
  clock.cancel(asAccess(far));
  assert.equal(clock.size, 0, 'the clock is empty (and its timer cleared)');
});
