/**
 * `Announcer` speaks to screen readers politely and rarely: the host renders
 * `text` in an `aria-live="polite"` region; `say()` changes that text at most
 * once per interval, and what was said during the pause is replaced by the
 * latest (a metric flapping around a threshold says where it ended up, not
 * every crossing).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Least time between two announcements (ms). */
export const ANNOUNCE_EVERY_MS = 5000;

export class Announcer implements ReactiveController {
  /** What the live region says now. */
  text = '';
  private pending: string | null = null;
  private lastAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly host: ReactiveControllerHost;
  private readonly everyMs: number;
  private readonly onSpoken: (() => void) | undefined;

  /** @param onSpoken - called when a text was announced (a summary may then start counting afresh). */
  constructor(host: ReactiveControllerHost, everyMs = ANNOUNCE_EVERY_MS, onSpoken?: () => void) {
    this.host = host;
    this.everyMs = everyMs;
    this.onSpoken = onSpoken;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = null;
  }

  /** Announces `text` now, or when the interval since the last announcement is over. */
  say(text: string): void {
    const wait = this.lastAt + this.everyMs - performance.now();
    if (wait <= 0) {
      this.speak(text);
      return;
    }
    this.pending = text;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const next = this.pending;
      this.pending = null;
      if (next !== null) this.speak(next);
    }, wait);
  }

  private speak(text: string): void {
    this.lastAt = performance.now();
    this.onSpoken?.();
    if (text === this.text) return;
    this.text = text;
    this.host.requestUpdate();
  }
}
