import { css } from 'lit';
import { problemStyles } from '../problem-view.js';
import { headerStyles } from '../widget-header.js';
import { themeStyles } from '../theme.js';

export default [
  themeStyles,
  problemStyles,
  ...headerStyles,
  css`
    :host {
      /** Height of the scrolling list. */
      --rt-event-log-height: 240px;
      /** Height of every row, in px (read once when the element is connected). */
      --rt-event-log-row-height: 22px;
      /** Font of the rows. */
      --rt-event-log-font: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      /** Background of the gap marker row. */
      --rt-event-log-gap-bg: color-mix(in srgb, var(--_warn) 15%, transparent);
      min-width: 16em;
    }

    /* Given a height (a dashboard cell), the list takes what the header
       leaves; without one, the list is --rt-event-log-height tall. */
    .base {
      display: flex;
      flex-direction: column;
      height: 100%;
    }

    .header {
      flex: none;
    }

    .frame {
      position: relative;
      flex: 1 1 auto;
      height: var(--rt-event-log-height);
      min-height: 60px;
    }

    .frame[data-stale] .list {
      opacity: 0.6;
    }

    .list {
      height: 100%;
      font-family: var(--rt-event-log-font);
      font-size: 0.8em;
    }

    .empty {
      position: absolute;
      inset: 0;
      display: grid;
      place-items: center;
      color: var(--_muted);
      pointer-events: none;
    }

    /* Every row exactly --rt-event-log-row-height tall: the layout positions
       rows from that number and never measures them. */
    .row,
    .gap {
      height: var(--rt-event-log-row-height);
      line-height: calc(var(--rt-event-log-row-height) - 1px);
      overflow: hidden;
    }

    .row {
      display: grid;
      grid-template-columns: auto 3.5em 1fr;
      gap: 0.75em;
      width: 100%;
      padding: 0 0.25em;
      border-bottom: 1px solid var(--_border);
      white-space: nowrap;
    }

    .time {
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
    }

    .level {
      font-weight: 600;
      text-transform: uppercase;
      color: var(--_muted);
    }

    .row[data-level='info'] .level {
      color: var(--_accent);
    }

    .row[data-level='warn'] .level {
      color: var(--_warn);
    }

    .row[data-level='error'] .level,
    .row[data-level='error'] .text {
      color: var(--_error);
    }

    .text {
      overflow: hidden;
      text-overflow: ellipsis;
    }

    .gap {
      width: 100%;
      padding: 0 0.25em;
      white-space: nowrap;
      text-overflow: ellipsis;
      text-align: center;
      color: var(--_warn);
      background: var(--rt-event-log-gap-bg);
      border-bottom: 1px solid var(--_border);
      font-style: italic;
    }
  `,
];
