import { css } from 'lit';
import { stateStyles } from '../element-state.js';
import { problemStyles } from '../problem-view.js';
import { headerStyles } from '../widget-header.js';
import { themeStyles } from '../theme.js';

export default [
  themeStyles,
  problemStyles,
  stateStyles,
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

    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4em;
      align-items: center;
      margin-bottom: 0.4em;
      font-size: 0.85em;
    }

    .toolbar input,
    .toolbar select,
    .toolbar button {
      font: inherit;
      color: var(--_fg);
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 4px;
      padding: 0.15em 0.5em;
    }

    .toolbar .filter {
      flex: 1 1 8em;
      min-width: 6em;
    }

    .toolbar button {
      cursor: pointer;
    }

    .toolbar :focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 1px;
    }

    .toolbar .pause[aria-pressed='true'] {
      border-color: var(--_accent);
    }

    .new-events {
      font-weight: 600;
    }

    .columns {
      flex: none;
      color: var(--_muted);
      font-family: var(--rt-event-log-font);
      font-size: 0.8em;
      font-weight: 600;
    }

    .cell {
      overflow: hidden;
      text-overflow: ellipsis;
    }

    .announce {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
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
