/**
 * Tokens on the browser side. A page gives a token (a string, or a function
 * returning one or a promise of one, so it can fetch short-lived tokens from
 * its own backend) per element, per `subscribe()`, or once for the whole
 * page with `configure({ token })`. The connection asks for a token before
 * every connect and again ahead of the token's expiry, and sends it in an
 * `auth` frame: never in the URL, where it would end up in logs.
 */

/** A token, or a function that returns one (or a promise of one). */
export type TokenSource = string | (() => string | Promise<string>);

/** Page-wide settings of rt, shared by every copy of rt.js on the page. */
export interface RtConfiguration {
  /** Token for every gateway connection whose widgets give none of their own. */
  token?: TokenSource | null;
}

const CONFIG_KEY = Symbol.for('rt.config');

interface SharedConfiguration extends RtConfiguration {
  /** Called when the page-wide token changes (each connection of each bundle copy registers one). */
  tokenWatchers?: Set<() => void>;
}

function shared(): SharedConfiguration {
  const holder = globalThis as unknown as Record<symbol, SharedConfiguration | undefined>;
  return (holder[CONFIG_KEY] ??= {});
}

/** Calls `watcher` whenever `configure({ token })` changes the page-wide token. */
export function watchPageToken(watcher: () => void): void {
  (shared().tokenWatchers ??= new Set()).add(watcher);
}

function checkSource(source: unknown, where: string): asserts source is TokenSource | null | undefined {
  if (source === undefined || source === null || typeof source === 'function' || (typeof source === 'string' && source !== '')) return;
  throw new TypeError(`${where} must be a non-empty string or a function returning a token (or a promise of one), got ${typeof source}`);
}

/**
 * Sets page-wide options, so thirty widgets need not repeat them:
 *
 * ```js
 * import { configure } from 'https://rt.example.com/rt.js';
 * configure({ token: () => fetch('/rt-token').then((r) => r.text()) });
 * ```
 *
 * @throws TypeError naming the option when a value cannot be used.
 */
export function configure(options: RtConfiguration): void {
  checkSource(options?.token, 'configure({ token })');
  if (!('token' in options)) return;
  const config = shared();
  if ((options.token ?? null) === (config.token ?? null)) return;
  config.token = options.token ?? null;
  for (const watcher of config.tokenWatchers ?? []) watcher();
}

/** The page-wide token source, if any. */
export function pageTokenSource(): TokenSource | null {
  return shared().token ?? null;
}

/** A token's `exp` in epoch milliseconds, read without verifying (the gateway verifies), or null. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Ask for a new token this long before `exp` (or a third of the token's remaining life, if shorter). */
const REFRESH_AHEAD_MS = 60_000;

/**
 * One connection's tokens: where they come from, the current one, the last
 * one the gateway refused (never sent again), and the refresh ahead of expiry.
 */
export class TokenKeeper {
  /** Token source given by the connection's widgets; the page-wide one applies otherwise. */
  own: TokenSource | null = null;
  /** Token of the current socket. */
  current: string | null = null;
  /** Last token the gateway refused (4401). */
  refused: string | null = null;
  /** The gateway refused the connection while it had no token at all. */
  refusedWithout = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Called with a fresh token obtained ahead of expiry. */
    private readonly refreshed: (token: string) => void,
  ) {}

  /** The gateway closed the connection with 4401: never offer the current token again. */
  refuse(): void {
    if (this.current === null) this.refusedWithout = true;
    else this.refused = this.current;
  }

  get source(): TokenSource | null {
    return this.own ?? pageTokenSource();
  }

  /** Asks the source for a token (null without a source). */
  async obtain(): Promise<string | null> {
    const source = this.source;
    if (source === null) return null;
    const token = typeof source === 'function' ? await source() : source;
    if (typeof token !== 'string' || token === '') throw new TypeError(`the token function returned ${typeof token}, not a token string`);
    return token;
  }

  /** Schedules the next refresh for `token` (now current). */
  schedule(token: string): void {
    this.stop();
    this.current = token;
    const exp = tokenExpiry(token);
    if (exp === null || typeof this.source !== 'function') return;
    const left = exp - Date.now();
    const delay = Math.max(0, left - Math.min(REFRESH_AHEAD_MS, left / 3));
    this.timer = setTimeout(() => void this.refreshNow(), Math.min(delay, 2 ** 31 - 1));
  }

  /** Gets a fresh token now (the gateway warned `token_expired`, or the refresh is due). */
  async refreshNow(): Promise<void> {
    this.stop();
    try {
      const token = await this.obtain();
      if (token === null || token === this.current) return;
      this.schedule(token);
      this.refreshed(token);
    } catch (error) {
      console.warn('rt: the token function failed:', error);
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
