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

  test('renewLease extends only a lease its owner holds now; an expired one is not taken again by renewing', async () => {
    const coordination = (await make({ partitions: 2 })).coordination;
    assert.equal(await coordination.renewLease(0, 'p1', 10_000), false, 'nothing to renew');
    assert.equal(await coordination.lease(0, 'p1', 1000), true);
    assert.equal(await coordination.renewLease(0, 'p2', 10_000), false, 'not the owner');
    assert.equal(await coordination.renewLease(0, 'p1', 10_000), true);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await coordination.lease(0, 'p2', 10_000), false, 'the renewal extended it past its first TTL');
    assert.equal(await coordination.lease(1, 'p1', 30), true);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await coordination.renewLease(1, 'p1', 10_000), false, 'expired: lost, even though nobody took it');
    assert.equal(await coordination.lease(1, 'p2', 10_000), true);
  });

  test('a lease held under an earlier token of the same name is taken at once (a restart); others are not', async () => {
    const coordination = (await make({ partitions: 1 })).coordination;
    assert.equal(await coordination.lease(0, 'proc-a#3', 10_000), true);
    assert.equal(await coordination.lease(0, 'proc-b#1', 10_000, 'proc-b#'), false);
    assert.equal(await coordination.lease(0, 'proc-a#1', 10_000), false, 'without the prefix, not taken');
    assert.equal(await coordination.lease(0, 'proc-a#1', 10_000, 'proc-a#'), true);
    assert.equal(await coordination.renewLease(0, 'proc-a#3', 10_000), false, 'the earlier token is out');
  });

  test('presence counts live processors; expired and departed ones drop out', async () => {
    const coordination = (await make()).coordination;
    assert.equal(await coordination.presence('a', 10_000), 1);
    // b lives 1 s: long enough for the next call on a loaded machine, short enough to wait out.
    const bornAt = Date.now();
    assert.equal(await coordination.presence('b', 1000), 2);
    const count = await coordination.presence('a', 10_000);
    if (Date.now() - bornAt < 1000) assert.equal(count, 2, 'renewing does not count twice');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await coordination.presence('a', 10_000), 1, 'b expired');
    assert.equal(await coordination.presence('c', 10_000), 2);
    await coordination.leavePresence('c');
    assert.equal(await coordination.presence('a', 10_000), 1);
  });
});
