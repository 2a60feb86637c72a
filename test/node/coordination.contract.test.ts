/**
 * The coordination contract: every promise of the `Coordination` role, checked against
 * the memory engine and against the Redis engine on a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachEngine } from '../support/bus-engines.js';

forEachEngine('coordination', ({ make }) => {
  test('a partition lease has one owner at a time and can be released', async () => {
    const coordination = (await make({ partitions: 2 })).coordination;
    assert.equal(await coordination.lease(0, 'p1', 10_000), true);
    assert.equal(await coordination.lease(0, 'p2', 10_000), false);
    assert.equal(await coordination.lease(0, 'p1', 10_000), true, 'the owner renews');
    assert.equal(await coordination.lease(1, 'p2', 10_000), true);
    await coordination.releaseLease(0, 'p2');
    assert.equal(await coordination.lease(0, 'p2', 10_000), false, 'only the owner releases');
    await coordination.releaseLease(0, 'p1');
    assert.equal(await coordination.lease(0, 'p2', 10_000), true);
  });

  test('an expired lease can be taken by another owner', async () => {
    const coordination = (await make({ partitions: 1 })).coordination;
    assert.equal(await coordination.lease(0, 'p1', 30), true);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await coordination.lease(0, 'p2', 10_000), true);
  });

  test('presence counts live processors; expired and departed ones drop out', async () => {
    const coordination = (await make()).coordination;
    assert.equal(await coordination.presence('a', 10_000), 1);
    assert.equal(await coordination.presence('b', 40), 2);
    assert.equal(await coordination.presence('a', 10_000), 2, 'renewing does not count twice');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await coordination.presence('a', 10_000), 1, 'b expired');
    assert.equal(await coordination.presence('c', 10_000), 2);
    await coordination.leavePresence('c');
    assert.equal(await coordination.presence('a', 10_000), 1);
  });
});
