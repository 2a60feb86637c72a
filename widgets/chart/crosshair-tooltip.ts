/**
 * The chart's crosshair tooltip: a uPlot plugin that, while the pointer is
 * over the plot, shows the time under the cursor in the reader's locale and
 * each series' value there. It works on pointer moves only (never in the
 * frame loop), reuses one element, and writes text only (labels are the
 * author's, values are numbers, but text is the safe default).
 */
import type uPlot from 'uplot';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** What the tooltip shows for series `j` (1-based, as uPlot counts). */
export interface TooltipSeries {
  label: string;
  format: (value: number) => string;
}

/** The plugin; `series` is read on every move, so it follows the chart's series. */
export function crosshairTooltip(series: () => readonly TooltipSeries[]): uPlot.Plugin {
  let tip: HTMLDivElement | null = null;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'tooltip';
        tip.setAttribute('part', 'tooltip');
        tip.hidden = true;
        u.over.append(tip);
      },
      setCursor: (u) => {
        if (!tip) return;
        const i = u.cursor.idx;
        const left = u.cursor.left ?? -1;
        if (i === null || i === undefined || left < 0) {
          tip.hidden = true;
          return;
        }
        const lines = [timeFormat.format(u.data[0][i] * 1000)];
        series().forEach((s, j) => {
          const v = u.data[j + 1]?.[i];
          if (typeof v === 'number') lines.push(`${s.label}: ${s.format(v)}`);
        });
        tip.textContent = lines.join('\n');
        tip.hidden = false;
        // Keeps to the side of the cursor with room; never measures (uPlot knows its width).
        const right = left > u.width / 2;
        tip.style.transform = `translate(${right ? `calc(${left}px - 100% - 8px)` : `${left + 8}px`}, 4px)`;
      },
    },
  };
}
