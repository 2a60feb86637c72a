/**
 * The time-window snapshot (`snapshotMs`): the newest messages whose event
 * time (`ts`) falls in the last `windowMs`, in history order.
 *
 * History ids carry the time a message was *stored*, which is not its event
 * time: a producer that backfills history stores old `ts` now, and a page
 * opened minutes after a producer stopped must not draw that old data as
 * "the last 5 minutes". So the window is chosen by `ts`; the id time only
 * bounds how far back history is scanned.
 */
import type { Broker, HistoryEntry } from '../bus/index.js';
import { MAX_SNAPSHOT } from '../protocol/index.js';

/**
 * How far a producer's clock may run ahead of the gateway's and still have a
 * message stored before the window count as inside it: the scan reaches back
 * this much further than the window, by id time.
 */
export const SNAPSHOT_CLOCK_SKEW_MS = 60_000;
/** Most history entries read for one snapshot when old-`ts` entries crowd the window. */
export const MAX_SNAPSHOT_SCAN = 4 * MAX_SNAPSHOT;

/** A message body as the processor writes it starts with its `ts`; read it without parsing the rest. */
const LEADING_TS = /^\{"ts":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[,}]/;

/** The `ts` of a stored message body, or NaN when it has none. */
export function bodyTs(body: string): number {
  const match = LEADING_TS.exec(body);
  if (match) return Number(match[1]);
  try {
    const ts = (JSON.parse(body) as { ts?: unknown }).ts;
    return typeof ts === 'number' ? ts : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * The newest `count` history entries of `topic` whose `ts` is at least
 * `now - windowMs`, oldest (by id) first. Entries stored in the window with
 * an older `ts` (backfill) are skipped; when they crowd out the newest
 * `count`, the scan widens (up to MAX_SNAPSHOT_SCAN entries) to fill it.
 */
export async function snapshotWindow(broker: Pick<Broker, 'latest'>, topic: string, windowMs: number, count: number, now = Date.now()): Promise<HistoryEntry[]> {
  const from = now - windowMs;
  const minId = `${Math.max(0, from - SNAPSHOT_CLOCK_SKEW_MS)}-0`;
  let limit = Math.min(count, MAX_SNAPSHOT_SCAN);
  for (;;) {
    const scanned = await broker.latest(topic, limit, minId);
    const kept = scanned.filter((entry) => bodyTs(entry.body) >= from);
    if (kept.length >= count || scanned.length < limit || limit >= MAX_SNAPSHOT_SCAN) return kept.slice(-count);
    limit = Math.min(limit * 4, MAX_SNAPSHOT_SCAN);
  }
}
