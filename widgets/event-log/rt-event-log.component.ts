import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { DEFAULT_EVENT_SNAPSHOT } from '../../protocol/index.js';
import { Announcer } from '../announcer.js';
import { RtElement } from '../rt-element.js';
import { TopicController } from '../topic-controller.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { FixedRowLayout, type FixedRowLayoutConfig } from './fixed-row-layout.js';
import { cellText, parseColumns, type LogColumn } from './log-columns.js';
import { LEVELS, rowFilter, type RowFilter } from './log-filter.js';
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
const fullTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * @summary A scrolling log of a topic's events, newest at the bottom, that
 * follows new events while the reader is at the bottom, marks gaps where
 * events were lost, and can be filtered and paused.
 *
 * @event rt-status - The connection state changed; `event.detail.status`.
 * @event rt-error - The attributes are invalid or the gateway refused the topic; `event.detail.code` and `.message`.
 *
 * @csspart base - The wrapper of the whole widget.
 * @csspart label - The caption.
 * @csspart age - How old the data is, shown while stale ("no data for 4 min").
 * @csspart status - The connection-status dot.
 * @csspart state - The state in words (connecting, no events yet, reconnecting); also `state-<name>`.
 * @csspart toolbar - The filter input, level select and pause button.
 * @csspart filter - The filter text input.
 * @csspart level-select - The minimum-level select.
 * @csspart pause - The pause/resume button.
 * @csspart new-events - The "N new events" button shown while paused or scrolled up.
 * @csspart columns - The column headers.
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

  /** Fields to show, comma-separated, each `field` or `field:Header` (`time, level, service:Service, text`). */
  @property() columns = '';

  /** Show only rows whose text or columns contain this (case-insensitive); the filter input edits it. */
  @property({ reflect: true }) filter = '';

  /** Show only rows at or above this level: `debug`, `info`, `warn` or `error`. */
  @property({ attribute: 'min-level', reflect: true }) minLevel = '';

  /** Freezes the list (new events are counted, not shown) until unpaused; the pause button toggles it. */
  @property({ type: Boolean, reflect: true }) paused = false;

  private readonly store = new RowStore(500);
  private readonly announcer = new Announcer(this, undefined, () => {
    this.unannounced = 0;
    this.unannouncedErrors = 0;
  });
  private columnList: LogColumn[] = parseColumns('') as LogColumn[];
  private filterFn: RowFilter = null;
  /** The rows shown: the store's view, filtered, frozen while paused. */
  private shown: readonly LogRow[] = [];
  private shownFrom: { view: readonly LogRow[] | null; filter: RowFilter } = { view: null, filter: null };
  /** Events that arrived while paused or scrolled up. */
  private unseen = 0;
  private unannounced = 0;
  private unannouncedErrors = 0;
  /** True while the reader is at the bottom: the list is pinned to the last row. */
  private follow = true;
  /** When the reader last touched the list (wheel, touch, keys, scrollbar). */
  private intentAt = -Infinity;
  private rowHeight = DEFAULT_ROW_HEIGHT_PX;
  /** Rows dropped from the front since the last render, while the reader is scrolled up. */
  private droppedUnseen = 0;

  protected readonly data = new TopicController(this, {
    topics: () => (this.topic ? [this.topic] : []),
    gateway: () => this.gateway,
    validate: () => this.staleAfterProblem() ?? this.maxProblem() ?? this.columnsProblem() ?? this.levelProblem(),
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
      this.unseen = 0;
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

  protected hasData(): boolean {
    return this.store.size > 0;
  }

  /** Rows shown after filtering (for diagnostics and tests). */
  get shownCount(): number {
    return this.shown.length;
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
    if (changed.has('columns') && !this.columnsProblem()) this.columnList = parseColumns(this.columns) as LogColumn[];
    if (changed.has('filter') || changed.has('minLevel') || changed.has('columns')) {
      this.filterFn = this.levelProblem() ? null : rowFilter(this.filter, this.minLevel, this.columnList);
    }
    if (changed.has('paused') && !this.paused) {
      this.unseen = 0;
      this.follow = true;
    }
    // Frozen while paused; otherwise recomputed only when rows or the filter changed.
    if (!this.paused) {
      const view = this.store.view();
      if (view !== this.shownFrom.view || this.filterFn !== this.shownFrom.filter) {
        this.shownFrom = { view, filter: this.filterFn };
        this.shown = this.filterFn ? view.filter(this.filterFn) : view;
      }
    }
  }

  private columnsProblem(): WidgetError | null {
    const parsed = parseColumns(this.columns);
    return typeof parsed === 'string' ? new WidgetError(WidgetErrorCode.BadAttribute, parsed) : null;
  }

  private levelProblem(): WidgetError | null {
    if (this.minLevel === '' || LEVELS.includes(this.minLevel as never)) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `min-level must be one of ${LEVELS.join(', ')}, got "${this.minLevel}"`);
  }

  private maxProblem(): WidgetError | null {
    const max = this.max;
    if (Number.isInteger(max) && max >= 1 && max <= MAX_ENTRIES) return null;
    return new WidgetError(WidgetErrorCode.BadAttribute, `max must be an integer from 1 to ${MAX_ENTRIES}, got "${this.getAttribute('max') ?? max}"`);
  }

  private addRows(rows: LogRow[]): void {
    const dropped = this.store.append(rows);
    if (!this.follow && !this.paused) this.droppedUnseen += dropped;
    if (this.paused || !this.follow) this.unseen += rows.length;
    if (this.paused) return;
    // One polite summary now and then, never a row at a time.
    this.unannounced += rows.length;
    for (const row of rows) if (row.kind === 'event' && row.level === 'error') this.unannouncedErrors++;
    const errors = this.unannouncedErrors;
    this.announcer.say(`${this.unannounced} new event${this.unannounced === 1 ? '' : 's'}${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`);
  }

  private togglePause(): void {
    this.paused = !this.paused;
  }

  private showNew(): void {
    this.paused = false;
    this.unseen = 0;
    this.setFollow(true);
  }

  private onFilterInput(event: Event): void {
    this.filter = (event.target as HTMLInputElement).value;
  }

  private onLevelChange(event: Event): void {
    this.minLevel = (event.target as HTMLSelectElement).value;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
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
    if (atBottom && !this.follow) {
      if (!this.paused) this.unseen = 0;
      this.setFollow(true);
    }
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
    return html`<div part="row" class="row" role="listitem" data-level=${row.level} style=${this.gridColumns}>
      ${this.columnList.map((column) => this.renderCell(row, column))}
    </div>`;
  }

  /** One cell; event text is untrusted, so it only ever goes in as text. */
  private renderCell(row: LogRow & { kind: 'event' }, column: LogColumn) {
    switch (column.field) {
      case 'time': {
        const time = new Date(row.ts);
        return html`<time class="time" datetime=${time.toISOString()} title=${fullTimeFormat.format(time)}>${timeFormat.format(time)}</time>`;
      }
      case 'level':
        return html`<span class="level">${row.level}</span>`;
      case 'text':
        return html`<span class="text" title=${row.text}>${row.text}</span>`;
      default: {
        const text = cellText(row, column);
        return html`<span class="cell" title=${text}>${text}</span>`;
      }
    }
  }

  /** The grid track of each column: fixed for time and level, shared for the rest. */
  private get gridColumns(): string {
    const tracks = this.columnList.map((c) => (c.field === 'time' ? 'auto' : c.field === 'level' ? '3.5em' : c.field === 'text' ? 'minmax(0, 3fr)' : 'minmax(0, 1fr)'));
    return `grid-template-columns: ${tracks.join(' ')}`;
  }

  private renderToolbar() {
    const newText = `${this.unseen} new event${this.unseen === 1 ? '' : 's'}`;
    return html`<div part="toolbar" class="toolbar">
      <input part="filter" class="filter" type="search" placeholder="Filter" aria-label="Filter events" .value=${this.filter} @input=${this.onFilterInput} />
      <select part="level-select" class="level-select" aria-label="Minimum level" .value=${this.minLevel} @change=${this.onLevelChange}>
        <option value="" ?selected=${this.minLevel === ''}>all levels</option>
        ${LEVELS.slice(1).map((level) => html`<option value=${level} ?selected=${this.minLevel === level}>${level} and above</option>`)}
      </select>
      ${this.unseen > 0 ? html`<button part="new-events" class="new-events" type="button" @click=${this.showNew}>${newText}</button>` : nothing}
      <button part="pause" class="pause" type="button" aria-pressed=${this.paused ? 'true' : 'false'} @click=${this.togglePause}>${this.paused ? 'Resume' : 'Pause'}</button>
    </div>`;
  }

  protected override render() {
    // Pinned while following; unpinned explicitly otherwise, as the config is re-applied on every render.
    const layout: FixedRowLayoutConfig = { type: FixedRowLayout, rowHeight: this.rowHeight, pin: this.follow && !this.paused ? PIN_TO_END : null };
    return this.renderFrame(
      this.topic,
      () => html`${this.renderToolbar()}
        <div part="columns" class="columns row" aria-hidden="true" style=${this.gridColumns}>${this.columnList.map((c) => html`<span>${c.header}</span>`)}</div>
        <div class="frame" ?data-stale=${this.freshness.stale}>
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
              items: this.shown as LogRow[],
              // The virtualizer may ask once for an index past the end when the filter shrinks the list.
              keyFunction: (row: LogRow | undefined) => row?.key,
              renderItem: (row: LogRow | undefined) => (row ? this.renderRow(row) : html``),
              layout: layout as unknown as NonNullable<Parameters<typeof virtualize>[0]>['layout'],
              scroller: true,
            })}
          </div>
          ${this.store.size > 0 && this.shown.length === 0 ? html`<div class="empty">no events match the filter</div>` : nothing}
        </div>
        <div class="announce" role="log" aria-live="polite">${this.announcer.text}</div>`,
      'no events yet',
    );
  }
}
