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
      /** Font size of the value. */
      --rt-metric-value-size: 2em;
      /** Font weight of the value. */
      --rt-metric-value-weight: 600;
      /** Opacity of the value while the connection is not live. */
      --rt-metric-stale-opacity: 0.5;
      min-width: 8em;
    }

    .header {
      margin-bottom: 0;
    }

    .reading {
      display: flex;
      align-items: baseline;
      gap: 0.3em;
      margin-top: 0.25em;
      transition: opacity 0.3s;
    }

    .reading[data-stale] {
      opacity: var(--rt-metric-stale-opacity);
    }

    .value {
      font-size: var(--rt-metric-value-size);
      font-weight: var(--rt-metric-value-weight);
      font-variant-numeric: tabular-nums;
      line-height: 1.1;
    }

    .unit {
      color: var(--_muted);
    }

    @media (prefers-reduced-motion: reduce) {
      .reading {
        transition: none;
      }
    }
  `,
];
