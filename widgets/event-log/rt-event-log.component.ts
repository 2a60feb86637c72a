import { virtualize, virtualizerRef, type VirtualizerHostElement } from '@lit-labs/virtualizer/virtualize.js';
import { html, LitElement, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { DEFAULT_EVENT_SNAPSHOT } from '../../protocol/index.js';
import { renderProblem } from '../problem-view.js';
import { renderHeader } from '../widget-header.js';
import type { ThemeName } from '../theme.js';
import { TopicController } from '../topic-controller.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { eventRow, gapRow, type LogRow } from './log-row.js';
import styles from './rt-event-log.styles.js';

/** How close to the bottom (px) still counts as "at the bottom" for following new rows. */
const FOLLOW_SLACK_PX = 8;
/** How long after wheel, touch, key or pointer input a scroll counts as the reader's doing. */
const INTENT_MS = 1000;
const SCROLL_KEYS = new Set(['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ']);
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
const MAX_ENTRIES = 100_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * @summary A scrolling log of a topic's events, newest at the bottom, that
 * follows new events while the reader is at the bottom and marks gaps where
 * events were lost.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused the topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The caption.
 * @csspart status - The connection-status dot.
 * @csspart list - The scrolling list.
 * @csspart row - One event row.
 * @csspart gap - The marker row for lost events.
 * @csspart error - The error message shown instead of the list.
 *
 * @cssproperty --rt-event-log-height - Height of the scrolling list.
 * @cssproperty --rt-event-log-font - Font of the rows.
 * @cssproperty --rt-event-log-gap-bg - Background of the gap marker row.
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-accent, --rt-ok, --rt-warn, --rt-error, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtEventLog extends LitElement {
  static override styles = styles;

  /** Topic whose events to list. */
  @property() topic = '';

  /** Most entries kept; the oldest go first. */
  @property({ type: Number }) max = 500;

  /** Caption above the list; defaults to the topic. */
  @property() label = '';

  /** Gateway URL; defaults to `/ws` on the host that served rt.js. */
  @property() gateway = '';

  /** Colour theme: `auto` follows the OS, or force `light` or `dark`. */
  @property({ reflect: true }) theme?: ThemeName;

  private rows: LogRow[] = [];
  /** True while the reader is at the bottom: new rows then scroll into view. */
  private follow = true;
  private rowsChanged = false;
  /** When the reader last touched the list (wheel, touch, keys, scrollbar). */
  private intentAt = -Infinity;

  private readonly data = new TopicController(this, {
    topics: () => (this.topic ? [this.topic] : []),
    gateway: () => this.gateway,
    validate: () => this.maxProblem(),
    snapshot: () => Math.min(this.max, DEFAULT_EVENT_SNAPSHOT),
    maxBuffered: () => this.max,
    onMessages: (messages) => this.addRows(messages.map(eventRow)),
    onGap: (gap) => this.addRows([gapRow(gap)]),
    onReset: () => {
      this.rows = [];
      this.follow = true;
      this.rowsChanged = true;
    },
  });

  /** Number of entries held, gap markers included (for diagnostics and tests). */
  get entryCount(): number {
    return this.rows.length;
  }

  private maxProblem(): WidgetError | null {
    const max = this.max;
    if (Number.isInteger(max) && max >= 1 && max <= MAX_ENTRIES) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `max must be an integer from 1 to ${MAX_ENTRIES}, got "${this.getAttribute('max') ?? max}"`);
  }

  private addRows(rows: LogRow[]): void {
    // A new array each time: the virtualizer notices changes by identity.
    const next = this.rows.concat(rows);
    this.rows = next.length > this.max ? next.slice(next.length - this.max) : next;
    this.rowsChanged = true;
  }

  protected override updated(): void {
    if (this.rowsChanged && this.follow) this.scrollToEnd();
    this.rowsChanged = false;
  }

  private scrollToEnd(): void {
    const list = this.renderRoot.querySelector<VirtualizerHostElement>('.list');
    if (!list) return;
    list.scrollTop = list.scrollHeight;
    // Rows not yet measured are sized by estimate; once the virtualizer has
    // laid out the newest ones, the true end may lie a little further down.
    list[virtualizerRef]?.layoutComplete
      .then(() => {
        if (this.follow) list.scrollTop = list.scrollHeight;
      })
      .catch(() => {});
  }

  /** Passive, so listening for intent never delays scrolling. */
  private readonly passiveIntent = { handleEvent: (event: Event) => this.onIntent(event), passive: true };

  private onIntent(event: Event): void {
    if (event instanceof KeyboardEvent && !SCROLL_KEYS.has(event.key)) return;
    this.intentAt = performance.now();
    // Upward input stops following at once, before the scroll lands: with
    // rows arriving every frame, waiting for the scroll event would let the
    // next row drag the reader back down.
    const list = event.currentTarget as HTMLElement;
    const up = (event instanceof WheelEvent && event.deltaY < 0) || (event instanceof KeyboardEvent && UP_KEYS.has(event.key));
    if (up && list.scrollHeight > list.clientHeight) this.follow = false;
  }

  private onScroll(event: Event): void {
    const list = event.currentTarget as HTMLElement;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_SLACK_PX;
    // Only the reader stops following. Scrolls of our own and the
    // virtualizer's size corrections may land short of the end for a moment,
    // and must not be mistaken for the reader scrolling up.
    const byReader = performance.now() - this.intentAt < INTENT_MS;
    if (atBottom) this.follow = true;
    else if (byReader) this.follow = false;
  }

  private renderRow(row: LogRow) {
    if (row.kind === 'gap') {
      const range = row.next ? `between ${row.since} and ${row.next}` : `after ${row.since}`;
      return html`<div part="gap" class="gap" role="listitem">events ${range} were lost (history no longer reaches back)</div>`;
    }
    const time = new Date(row.ts);
    return html`<div part="row" class="row" role="listitem" data-level=${row.level}>
      <time class="time" datetime=${time.toISOString()}>${timeFormat.format(time)}</time>
      <span class="level">${row.level}</span>
      <span class="text" title=${row.text}>${row.text}</span>
    </div>`;
  }

  protected override render() {
    const { problem, status } = this.data;
    return html`
      <div part="base" class="base">
        ${renderHeader(this.label || this.topic, status, problem !== null)}
        ${problem
          ? renderProblem(problem)
          : html`<div class="frame">
              <div
                part="list"
                class="list"
                role="list"
                tabindex="0"
                aria-label=${this.label || this.topic}
                @scroll=${this.onScroll}
                @wheel=${this.passiveIntent}
                @touchstart=${this.passiveIntent}
                @pointerdown=${this.onIntent}
                @keydown=${this.onIntent}
              >
                ${virtualize({
                  items: this.rows,
                  keyFunction: (row: LogRow) => row.key,
                  renderItem: (row: LogRow) => this.renderRow(row),
                  scroller: true,
                })}
              </div>
              ${this.rows.length === 0 ? html`<div class="empty">no events yet</div>` : nothing}
            </div>`}
      </div>
    `;
  }
}
