import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { DEFAULT_EVENT_SNAPSHOT } from '../../protocol/index.js';
import { renderProblem } from '../problem-view.js';
import { RtElement } from '../rt-element.js';
import { renderHeader } from '../widget-header.js';
import { TopicController } from '../topic-controller.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { FixedRowLayout, type FixedRowLayoutConfig } from './fixed-row-layout.js';
import { eventRow, gapRow, type LogRow } from './log-row.js';
import { RowStore } from './row-store.js';
import styles from './rt-event-log.styles.js';

/** How close to the bottom (px) still counts as "at the bottom" for following new rows. */
const FOLLOW_SLACK_PX = 8;
/** How long after wheel, touch, key or pointer input a scroll counts as the reader's doing. */
const INTENT_MS = 1000;
const SCROLL_KEYS = new Set(['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ']);
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
const MAX_ENTRIES = 100_000;
/** Row height when `--rt-event-log-row-height` is not a px length. */
const DEFAULT_ROW_HEIGHT_PX = 22;
/**
 * Pinned to the last row, however many rows arrive: the layout clamps the
 * index to the last one and keeps the scroll position there by itself, from
 * the rows' known heights, without reading the DOM.
 */
const PIN_TO_END = { index: Number.MAX_SAFE_INTEGER, block: 'end' } as const;

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
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart status - The connection-status dot.
 * @csspart list - The scrolling list.
 * @csspart row - One event row.
 * @csspart gap - The marker row for lost events.
 * @csspart error - The error message shown instead of the list.
 *
 * @cssproperty --rt-event-log-height - Height of the scrolling list.
 * @cssproperty --rt-event-log-row-height - Height of every row, in px.
 * @cssproperty --rt-event-log-font - Font of the rows.
 * @cssproperty --rt-event-log-gap-bg - Background of the gap marker row.
 * @cssproperty --rt-bg - Background (also --rt-fg, --rt-muted, --rt-border, --rt-accent, --rt-ok, --rt-warn, --rt-error, --rt-font, --rt-radius, --rt-padding, --rt-frame-border).
 */
export default class RtEventLog extends RtElement {
  static override styles = styles;

  /** Topic whose events to list. */
  @property() topic = '';

  /** Most entries kept; the oldest go first. */
  @property({ type: Number }) max = 500;

  /** Caption above the list; defaults to the topic. */
  @property() label = '';

  private readonly store = new RowStore(500);
  /** True while the reader is at the bottom: the list is pinned to the last row. */
  private follow = true;
  /** When the reader last touched the list (wheel, touch, keys, scrollbar). */
  private intentAt = -Infinity;
  private rowHeight = DEFAULT_ROW_HEIGHT_PX;
  /** Rows dropped from the front since the last render, while the reader is scrolled up. */
  private droppedUnseen = 0;

  private readonly data = new TopicController(this, {
    topics: () => (this.topic ? [this.topic] : []),
    gateway: () => this.gateway,
    validate: () => this.staleAfterProblem() ?? this.maxProblem(),
    snapshot: () => Math.min(this.max, DEFAULT_EVENT_SNAPSHOT),
    maxBuffered: () => this.max,
    onMessages: (messages) => {
      this.freshness.record(messages);
      this.addRows(messages.map(eventRow));
    },
    onGap: (gap) => this.addRows([gapRow(gap)]),
    onReset: () => {
      this.store.clear();
      this.follow = true;
      this.droppedUnseen = 0;
      this.freshness.reset();
    },
  });

  /** Number of entries held, gap markers included (for diagnostics and tests). */
  get entryCount(): number {
    return this.store.size;
  }

  /** Whether the list follows new rows (the reader is at the bottom) (for diagnostics and tests). */
  get following(): boolean {
    return this.follow;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Read once: the layout needs the row height as a number, and reading it per frame would cost a style recalc.
    const px = parseFloat(getComputedStyle(this).getPropertyValue('--rt-event-log-row-height'));
    this.rowHeight = px > 0 ? px : DEFAULT_ROW_HEIGHT_PX;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('max') && !this.maxProblem()) {
      this.store.max = this.max;
      this.store.trim();
    }
  }

  private maxProblem(): WidgetError | null {
    const max = this.max;
    if (Number.isInteger(max) && max >= 1 && max <= MAX_ENTRIES) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `max must be an integer from 1 to ${MAX_ENTRIES}, got "${this.getAttribute('max') ?? max}"`);
  }

  private addRows(rows: LogRow[]): void {
    const dropped = this.store.append(rows);
    if (!this.follow) this.droppedUnseen += dropped;
  }

  protected override updated(): void {
    // A reader scrolled up while old rows fell off the front: move up with
    // the content so the rows they read stay where they are.
    if (this.droppedUnseen > 0) {
      const by = this.droppedUnseen * this.rowHeight;
      this.droppedUnseen = 0;
      this.renderRoot.querySelector('.list')?.scrollBy(0, -by);
    }
  }

  /** Passive, so listening for intent never delays scrolling. */
  private readonly passiveIntent = { handleEvent: (event: Event) => this.onIntent(event), passive: true };

  private onIntent(event: Event): void {
    if (event instanceof KeyboardEvent && !SCROLL_KEYS.has(event.key)) return;
    this.intentAt = performance.now();
    // Upward input stops following at once, before the scroll lands: with
    // rows arriving every frame, waiting for the scroll event would let the
    // next row drag the reader back down.
    const up = (event instanceof WheelEvent && event.deltaY < 0) || (event instanceof KeyboardEvent && UP_KEYS.has(event.key));
    if (up && this.follow) this.setFollow(false);
  }

  /**
   * Scroll events are where the reader's position is read: layout is clean
   * when they fire (before the frame's callbacks), so this costs no forced
   * layout, unlike measuring from the frame loop.
   */
  private onScroll(event: Event): void {
    const list = event.currentTarget as HTMLElement;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_SLACK_PX;
    // Only the reader stops following. Scrolls of the layout keeping the list
    // pinned may land short of the end for a moment, and must not be mistaken
    // for the reader scrolling up.
    const byReader = performance.now() - this.intentAt < INTENT_MS;
    if (atBottom && !this.follow) this.setFollow(true);
    else if (!atBottom && byReader && this.follow) this.setFollow(false);
  }

  private setFollow(follow: boolean): void {
    this.follow = follow;
    this.requestUpdate();
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
    // Pinned while following; unpinned explicitly otherwise, as the config is re-applied on every render.
    const layout: FixedRowLayoutConfig = { type: FixedRowLayout, rowHeight: this.rowHeight, pin: this.follow ? PIN_TO_END : null };
    return html`
      <div part="base" class="base">
        ${renderHeader(this.label || this.topic, status, problem !== null, this.freshness.ageText)}
        ${problem
          ? renderProblem(problem)
          : html`<div class="frame" ?data-stale=${this.freshness.stale}>
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
                  items: this.store.view() as LogRow[],
                  keyFunction: (row: LogRow) => row.key,
                  renderItem: (row: LogRow) => this.renderRow(row),
                  layout: layout as unknown as NonNullable<Parameters<typeof virtualize>[0]>['layout'],
                  scroller: true,
                })}
              </div>
              ${this.store.size === 0 ? html`<div class="empty">no events yet</div>` : nothing}
            </div>`}
      </div>
    `;
  }
}
