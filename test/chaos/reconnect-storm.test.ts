/**
 * Chaos 7: a reconnect storm. Clients running the widgets' real connection
 * manager (bundled for Node; see test/support/browser-connection.ts) hold
 * topics on a gateway process over Redis; the gateway shuts down (SIGTERM:
 * 1001 naming its spread window), stays down while every topic moves on, and
 * starts again on the same port. Every client is back, holds every missed
 * message once and in order, within the window (plus slack for this shared
 * machine), and the gateway's event loop never stalls for long.
 *
 * Short form: 500 clients; long form (RT_CHAOS_LONG=1): 5 000, the issue's
 * goal. Figures go to RT_CHAOS_RESULTS in the chaos runner's shape.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { test } from 'node:test';
import { runStorm, type StormResult } from '../support/reconnect-storm.js';

const LONG = process.env.RT_CHAOS_LONG === '1';
const SIZE = LONG ? { clients: 5000, topics: 100 } : { clients: 500, topics: 50 };
const SPREAD_MS = 3000;
/** Slack beyond the window for connecting and catching up on a busy 2-core machine. */
const SLACK_MS = 4000;
/** Longest gateway event-loop delay we call "not stalled". */
const MAX_LOOP_DELAY_MS = 1000;
const MISSED = 5;

function record(result: StormResult, outcome: string): void {
  const file = process.env.RT_CHAOS_RESULTS;
  if (!file) return;
  const owed = result.clients * (MISSED + 1);
  appendFileSync(
    file,
    JSON.stringify({
      scenario: 'reconnect-storm',
      clients: result.clients,
      sent: result.topics * (MISSED + 1),
      acknowledged: result.topics * (MISSED + 1),
      received: owed - result.lost,
      owed,
      lost: result.lost,
      duplicated: result.duplicates,
      outOfOrder: 0,
      told: 0,
      gaps: 0,
      resets: 0,
      examples: [],
      outcome,
      recoveryMs: result.caughtUpMs.max,
      peakGatewayRssMiB: 0,
    }) + '\n',
  );
}

test(`a reconnect storm of ${SIZE.clients} clients: all back and caught up within the spread window, nothing lost or doubled, no event-loop stall`, { timeout: 240_000 }, async () => {
  const result = await runStorm({ ...SIZE, shutdown: 'graceful', spreadMs: SPREAD_MS, downMs: 1500, missed: MISSED, deadlineMs: 30_000 });
  console.log(JSON.stringify(result));
  let outcome = 'ok';
  try {
    assert.equal(result.notCaughtUp, 0, 'every client caught up');
    assert.equal(result.lost, 0, 'no client missed a message');
    assert.equal(result.duplicates, 0, 'no client got a message twice');
    assert.equal(result.gatewayConnections, SIZE.clients, 'every client is connected to the restarted gateway');
    assert.ok(result.caughtUpMs.max <= SPREAD_MS + SLACK_MS, `caught up within the window plus slack (${result.caughtUpMs.max} ms)`);
    assert.ok(result.gatewayEventLoopDelayMs.max < MAX_LOOP_DELAY_MS, `the gateway's event loop never stalled (max delay ${result.gatewayEventLoopDelayMs.max} ms)`);
  } catch (error) {
    outcome = `fails: ${(error as Error).message.split('\n')[0].slice(0, 160)}`;
    throw error;
  } finally {
    record(result, outcome);
  }
});
