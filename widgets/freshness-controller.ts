/**
 * `FreshnessController` knows how old an element's data is, apart from
 * whether its connection is up: the dot tells the connection, this tells the
 * data. Past the element's `stale-after` (or a default derived from how often
 * the topic has been publishing) the host gets a `stale` attribute and the
 * words to show ("no data for 4 min").
 *
 * Age is measured from the newest message's `ts` (the producer's time) to the
 * browser's clock, so data replayed from history is as old as it really is.
 * One timer, once a second, checks every element on the page.
 */
import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { Message } from '../protocol/index.js';
import { describeAge } from './duration.js';

/** Stale bound while fewer than two messages tell the topic's interval. */
export const DEFAULT_STALE_AFTER_MS = 60_000;
/** The derived bound is this many typical intervals… */
export const STALE_INTERVALS = 3;
/** …but never less than this, so a fast topic is not called stale over a hiccup. */
export const MIN_STALE_AFTER_MS = 5_000;
/** How many recent intervals the typical one (their median) is taken from. */
const INTERVALS_KEPT = 16;
const CHECK_EVERY_MS = 1000;

type Host = ReactiveControllerHost & Element;

const active = new Set<FreshnessController>();
let timer: ReturnType<typeof setInterval> | undefined;

function checkAll(): void {
  const now = Date.now();
  for (const controller of active) controller.check(now);
}

/** Tracks the age of the host's newest data and reflects `stale` on the host. */
export class FreshnessController implements ReactiveController {
  /** Whether the data is older than the stale bound. Reflected as the host's `stale` attribute. */
  stale = false;
  /** Time (`ts`, epoch ms) of the newest message seen, if any. */
  newestTs: number | undefined;
  /** The words shown while stale, e.g. "no data for 4 min"; empty while fresh. */
  ageText = '';

  private readonly host: Host;
  private readonly staleAfter: () => number | undefined;
  private readonly intervals: number[] = [];

  /** @param staleAfter - the host's explicit bound in ms, or undefined for the derived default. */
  constructor(host: Host, staleAfter: () => number | undefined) {
    this.host = host;
    this.staleAfter = staleAfter;
    if (isServer) return;
    host.addController(this);
  }

  hostConnected(): void {
    active.add(this);
    timer ??= setInterval(checkAll, CHECK_EVERY_MS);
  }

  hostDisconnected(): void {
    active.delete(this);
    if (active.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  hostUpdate(): void {
    // `stale-after` may have changed.
    this.check(Date.now());
  }

  /** Notes messages as they arrive (any order); fresh data clears `stale` at once. */
  record(messages: readonly Message[]): void {
    for (const message of messages) {
      const ts = message.ts;
      if (this.newestTs === undefined) {
        this.newestTs = ts;
      } else if (ts > this.newestTs) {
        this.intervals.push(ts - this.newestTs);
        if (this.intervals.length > INTERVALS_KEPT) this.intervals.shift();
        this.newestTs = ts;
      }
    }
    // Cheap on the hot path: only look closer when the data could already be stale.
    if (this.newestTs === undefined) return;
    const now = Date.now();
    if (this.stale || now - this.newestTs > Math.min(MIN_STALE_AFTER_MS, this.staleAfter() ?? Infinity)) this.check(now);
  }

  /** Forgets everything (the element subscribed anew). */
  reset(): void {
    this.newestTs = undefined;
    this.intervals.length = 0;
    this.check(Date.now());
  }

  /**
   * The bound in force: the host's `stale-after`, else three typical
   * intervals of the topic (the median of the last 16), at least 5 s; 60 s
   * until two messages have been seen.
   */
  get boundMs(): number {
    const explicit = this.staleAfter();
    if (explicit !== undefined) return explicit;
    if (this.intervals.length === 0) return DEFAULT_STALE_AFTER_MS;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return Math.max(MIN_STALE_AFTER_MS, STALE_INTERVALS * sorted[sorted.length >> 1]);
  }

  /** @internal Re-evaluates staleness at `now`; asks the host to update when what it shows changes. */
  check(now: number): void {
    const age = this.newestTs === undefined ? 0 : now - this.newestTs;
    const stale = this.newestTs !== undefined && age > this.boundMs;
    const text = stale ? `no data for ${describeAge(age)}` : '';
    if (stale !== this.stale) {
      this.stale = stale;
      this.host.toggleAttribute('stale', stale);
    }
    if (text !== this.ageText) {
      this.ageText = text;
      this.host.requestUpdate();
    }
  }
}
