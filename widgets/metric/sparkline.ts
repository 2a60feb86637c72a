/**
 * The sparkline of `<rt-metric sparkline="5m">`: the recent window of values
 * as one SVG polyline, scaled to its own min and max. Drawn only when the
 * attribute is set; decorative (the value beside it says the same), so it is
 * hidden from assistive technology.
 */
import { html, svg, type TemplateResult } from 'lit';
import type { ValueHistory } from './value-history.js';

const WIDTH = 100;
const HEIGHT = 24;

/** Renders the samples from `fromTs` to `toTs` (epoch ms); an empty box until there are two. */
export function renderSparkline(history: ValueHistory, fromTs: number, toTs: number): TemplateResult {
  let points = '';
  const n = history.size;
  if (n >= 2) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = history.valueAt(i);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max - min || 1;
    const width = toTs - fromTs || 1;
    for (let i = 0; i < n; i++) {
      const x = ((history.tsAt(i) - fromTs) / width) * WIDTH;
      const y = HEIGHT - 1 - ((history.valueAt(i) - min) / span) * (HEIGHT - 2);
      points += `${x.toFixed(1)},${y.toFixed(1)} `;
    }
  }
  return html`<svg part="sparkline" class="sparkline" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" aria-hidden="true">
    ${svg`<polyline points=${points} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke"></polyline>`}
  </svg>`;
}
