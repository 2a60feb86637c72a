import { css, unsafeCSS } from 'lit';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { stateStyles } from '../element-state.js';
import { problemStyles } from '../problem-view.js';
import { headerStyles } from '../widget-header.js';
import { themeStyles } from '../theme.js';

export default [
  themeStyles,
  problemStyles,
  stateStyles,
  ...headerStyles,
  // uPlot's stylesheet must live inside the shadow root to reach its DOM.
  unsafeCSS(uplotCss),
  css`
    :host {
      /* The chart's theme tokens, as in theme.ts. */
      --_grid: var(--rt-grid, var(--rt-border, light-dark(#e8ebef, #242a31)));
      --_series-1: var(--rt-series-1, light-dark(#2f6fde, #6ea1ff));
      --_series-2: var(--rt-series-2, light-dark(#e4572e, #ff8a65));
      --_series-3: var(--rt-series-3, light-dark(#17a398, #4fd1c5));
      --_series-4: var(--rt-series-4, light-dark(#8e44ad, #b794f4));
      --_series-5: var(--rt-series-5, light-dark(#d4a017, #f6e05e));
      --_series-6: var(--rt-series-6, light-dark(#6c7a89, #a0aec0));
      /** Height of the plot area (the legend adds to it). */
      --rt-chart-height: 200px;
      /** Line width is set in JS; this is the legend swatch size. */
      --rt-chart-swatch-size: 0.7em;
      min-width: 12em;
    }

    /* Given a height (a dashboard cell), the plot takes what the header and
       the legend leave; without one, the plot is --rt-chart-height tall. */
    .base {
      display: flex;
      flex-direction: column;
      height: 100%;
    }

    .plot {
      position: relative;
      flex: 1 1 auto;
      height: var(--rt-chart-height);
      min-height: 60px;
      overflow: hidden;
    }

    .header,
    .legend {
      flex: none;
    }

    .plot[data-stale] {
      opacity: 0.6;
    }

    .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25em 1em;
      margin: 0.4em 0 0;
      padding: 0;
      list-style: none;
      font-size: 0.8em;
      color: var(--_muted);
    }

    .legend li {
      display: flex;
      align-items: center;
      gap: 0.35em;
    }

    .swatch {
      width: var(--rt-chart-swatch-size);
      height: var(--rt-chart-swatch-size);
      border-radius: 2px;
    }

    .probe {
      position: absolute;
      width: 0;
      height: 0;
      overflow: hidden;
      visibility: hidden;
    }

    .tooltip {
      position: absolute;
      top: 0;
      left: 0;
      z-index: 1;
      padding: 0.3em 0.5em;
      white-space: pre;
      pointer-events: none;
      font-size: 0.75em;
      line-height: 1.4;
      color: var(--_fg);
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 4px;
      font-variant-numeric: tabular-nums;
    }

    /* A colour change of a probe fires transitionend: how a re-theme is noticed without polling. */
    .probe i {
      transition: color 1ms step-start;
    }

    .legend .value {
      color: var(--_fg);
      font-variant-numeric: tabular-nums;
    }
  `,
];
