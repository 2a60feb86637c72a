/**
 * The chaos suite's verdict: for every subscriber and topic, every
 * acknowledged number arrived exactly once and in order, or an explicit
 * `gap`/`reset` told the subscriber about what is missing. For `latest`
 * (conflated) subscriptions: numbers strictly increasing, ending at the
 * newest acknowledged one.
 */
import type { ChaosClient, Mark } from './chaos-client.js';
import type { Publisher } from './publisher.js';

export type Delivery = 'all' | 'latest';

export interface TopicVerdict {
  /** Distinct numbers received. */
  received: number;
  /** Acknowledged numbers neither received nor covered by a gap/reset: must be 0. */
  lost: number[];
  /** Numbers received more than once (not counting re-sends right after a reset). */
  duplicated: number;
  /** Numbers received after a larger one (not counting after a reset). */
  outOfOrder: number;
  /** Acknowledged numbers missing but covered by a gap or reset the client got. */
  told: number;
  gaps: number;
  resets: number;
  /** For `latest`: the last number received is the newest acknowledged one (or newer). */
  endsAtFinal: boolean;
}

/**
 * Judges one client's record of one topic against what the publisher got
 * acknowledged. A gap or reset covers the numbers between the last one
 * received before it and the first one received after it (everything after
 * it when nothing followed).
 */
export function judgeTopic(marks: Mark[], acked: Set<number>, delivery: Delivery = 'all'): TopicVerdict {
  const seen = new Set<number>();
  const covered: [number, number][] = [];
  let prev = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let gaps = 0;
  let resets = 0;
  let openCover: number | undefined; // low end of a gap/reset waiting for the next message
  let afterReset = false;
  let last = 0;
  for (const mark of marks) {
    if (mark.kind === 'gap' || mark.kind === 'reset') {
      if (mark.kind === 'gap') gaps++;
      else {
        resets++;
        afterReset = true;
      }
      openCover ??= prev;
      continue;
    }
    const seq = mark.seq;
    if (openCover !== undefined) {
      covered.push([openCover, seq]);
      openCover = undefined;
    }
    if (seen.has(seq)) {
      if (!afterReset) duplicated++;
    } else if (seq < prev && !afterReset) outOfOrder++;
    seen.add(seq);
    if (seq > prev) {
      prev = seq;
      afterReset = false;
    }
    last = seq;
  }
  if (openCover !== undefined) covered.push([openCover, Number.POSITIVE_INFINITY]);
  const isCovered = (n: number): boolean => covered.some(([lo, hi]) => n > lo && n < hi);
  const final = Math.max(0, ...acked);
  const lost: number[] = [];
  let told = 0;
  if (delivery === 'all') {
    for (const n of acked) {
      if (seen.has(n)) continue;
      if (isCovered(n)) told++;
      else lost.push(n);
    }
  } else if (last < final && !isCovered(final)) lost.push(final);
  lost.sort((a, b) => a - b);
  return { received: seen.size, lost, duplicated, outOfOrder, told, gaps, resets, endsAtFinal: last >= final };
}

/** Sum of every client's verdicts over every topic. */
export interface Verdict {
  clients: number;
  sent: number;
  acknowledged: number;
  /** Distinct numbers received, summed over subscribers. */
  received: number;
  /** Acknowledged deliveries owed: acknowledged numbers × subscribers. */
  owed: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  told: number;
  gaps: number;
  resets: number;
  /** A few examples of losses for the failure message: client index, topic, numbers. */
  examples: string[];
}

export function judge(clients: ChaosClient[], publisher: Publisher, delivery: Delivery = 'all'): Verdict {
  const v: Verdict = { clients: clients.length, sent: publisher.totalSent, acknowledged: publisher.totalAcked, received: 0, owed: 0, lost: 0, duplicated: 0, outOfOrder: 0, told: 0, gaps: 0, resets: 0, examples: [] };
  clients.forEach((client, i) => {
    for (const [topic, acked] of publisher.acked) {
      const t = judgeTopic(client.marks.get(topic) ?? [], acked, delivery);
      v.owed += acked.size;
      v.received += t.received;
      v.lost += t.lost.length;
      v.duplicated += t.duplicated;
      v.outOfOrder += t.outOfOrder;
      v.told += t.told;
      v.gaps += t.gaps;
      v.resets += t.resets;
      if (t.lost.length > 0 && v.examples.length < 5) v.examples.push(`client ${i} ${topic}: lost ${t.lost.slice(0, 10).join(',')}${t.lost.length > 10 ? ` … (${t.lost.length})` : ''}`);
    }
  });
  return v;
}

/** True once every client holds every acknowledged number or was told about it. */
export function settled(clients: ChaosClient[], publisher: Publisher, delivery: Delivery = 'all'): boolean {
  return clients.every((c) => [...publisher.acked].every(([topic, acked]) => judgeTopic(c.marks.get(topic) ?? [], acked, delivery).lost.length === 0));
}

/**
 * Time from `faultAt` until delivery of fresh data resumed for everyone: the
 * latest, over clients and topics, of the moment a client received the
 * first number acknowledged at or after the fault (or anything newer).
 */
export function recoveryMs(clients: ChaosClient[], publisher: Publisher, faultAt: number): number | undefined {
  let worst = 0;
  for (const topic of publisher.acked.keys()) {
    const first = publisher.firstAckedAfter(topic, faultAt);
    if (first === undefined) return undefined;
    for (const c of clients) {
      const got = (c.marks.get(topic) ?? []).find((m) => m.kind === 'msg' && m.seq >= first && m.at >= faultAt);
      if (!got) return undefined;
      worst = Math.max(worst, got.at - faultAt);
    }
  }
  return worst;
}
