/**
 * Styles of what metric-extras.ts renders (levels, trend, sparkline, live
 * region), added to the metric's shadow root when that chunk loads, so a
 * plain metric does not carry them.
 */

/** The CSS text (plain, so this chunk needs nothing of lit; the build minifies what is marked css). */
export default /* css */ `
  :host {
    /** Height of the sparkline. */
    --rt-metric-sparkline-height: 24px;
  }

  .reading[data-level='warn'] .value {
    color: var(--_warn);
  }

  .reading[data-level='crit'] .value {
    color: var(--_error);
  }

  /* The words carry the level; a coloured mark repeats it without relying on colour-contrast of small text. */
  .level::before {
    content: '';
    display: inline-block;
    width: 0.6em;
    height: 0.6em;
    margin-inline-end: 0.35em;
    border-radius: 50%;
    background: var(--_warn);
  }

  .level[data-level='crit']::before {
    background: var(--_error);
  }

  .level,
  .trend {
    display: block;
    font-size: 0.8em;
    margin-top: 0.2em;
  }

  .trend {
    color: var(--_muted);
  }

  .sparkline {
    display: block;
    width: 100%;
    height: var(--rt-metric-sparkline-height);
    margin-top: 0.3em;
    color: var(--_accent);
    overflow: visible;
  }

  /* Heard, not seen: the value and level above say it visually. */
  .announce {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
