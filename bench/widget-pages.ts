/**
 * The pages `bench/widgets.ts` opens: rt's elements from the production
 * bundle the gateway serves, and the naive peer (bench/naive-dashboard.js).
 * Every page is served by the bench's own loopback server, on another origin
 * than the gateway, as an embedding page would be.
 */

/** Topics of one mixed dashboard: 60 metrics, 30 charts, 10 event logs; each run gets its own `prefix`. */
export interface MixedTopics {
  metrics: string[];
  charts: string[];
  logs: string[];
}

export function mixedTopics(prefix: string): MixedTopics {
  return {
    metrics: Array.from({ length: 60 }, (_, i) => `${prefix}.m.${i}`),
    charts: Array.from({ length: 30 }, (_, i) => `${prefix}.c.${i}`),
    logs: Array.from({ length: 10 }, (_, i) => `${prefix}.l.${i}`),
  };
}
/** Width of the charts' time window, in seconds. */
export const CHART_WINDOW_S = 60;

const STYLE = `<style>
  body { margin: 0; font: 14px system-ui, sans-serif; background: #f4f5f7; }
  .row { display: grid; gap: 8px; padding: 4px 8px; }
  .m { grid-template-columns: repeat(6, 1fr); }
  .c { grid-template-columns: repeat(3, 1fr); }
  .l { grid-template-columns: repeat(2, 1fr); }
  .card { background: #fff; border: 1px solid #d9dee4; border-radius: 6px; padding: 8px; min-width: 0; }
  .card h3 { margin: 0 0 4px; font-size: 12px; color: #5f6b7a; }
  .value { font-size: 2em; font-weight: 600; }
  .log { height: 240px; overflow: auto; font: 12px ui-monospace, monospace; white-space: nowrap; }
  rt-chart { --rt-chart-height: 200px; }
  rt-event-log { --rt-event-log-height: 240px; }
</style>`;

/** The rows of the mixed dashboard, top to bottom: what a viewport shows first is a mix of all three. */
function mixedRows(t: MixedTopics): { kind: 'm' | 'c' | 'l'; topics: string[] }[] {
  const rows: { kind: 'm' | 'c' | 'l'; topics: string[] }[] = [];
  for (let block = 0; block < 10; block++) {
    rows.push({ kind: 'm', topics: t.metrics.slice(block * 6, block * 6 + 6) });
    rows.push({ kind: 'c', topics: t.charts.slice(block * 3, block * 3 + 3) });
    if (block % 2 === 0) rows.push({ kind: 'l', topics: t.logs.slice(block, block + 2) });
  }
  return rows;
}

/** The mixed dashboard with rt's elements; `window.__fill()` reports how full the charts are. */
export function rtMixedPage(gateway: string, topics: MixedTopics): string {
  const rows = mixedRows(topics)
    .map(({ kind, topics: row }) => {
      const cells = row.map((t) =>
        kind === 'm'
          ? `<rt-metric topic="${t}" decimals="2"></rt-metric>`
          : kind === 'c'
            ? `<rt-chart topics="${t}" window="${CHART_WINDOW_S}"></rt-chart>`
            : `<rt-event-log topic="${t}"></rt-event-log>`,
      );
      return `<div class="row ${kind}">${cells.join('')}</div>`;
    })
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>rt mixed dashboard</title>${STYLE}
<script type="module" src="${gateway}/rt.js"></script>
${rows}
<script>
  window.__fill = () => {
    const charts = [...document.querySelectorAll('rt-chart')];
    const points = charts.reduce((n, c) => n + (c.pointCount ?? 0), 0);
    return { chartPoints: Math.round(points / charts.length) };
  };
  window.__ready = async () => {
    for (const tag of ['rt-metric', 'rt-chart', 'rt-event-log']) await customElements.whenDefined(tag);
    return true;
  };
</script>`;
}

/** The same dashboard written as the classic tutorial would (one socket per widget, render on arrival). */
export function naiveMixedPage(gateway: string, topics: MixedTopics): string {
  const ws = `${gateway.replace(/^http/, 'ws')}/ws`;
  return `<!doctype html><meta charset="utf-8"><title>naive mixed dashboard</title>${STYLE}
<link rel="stylesheet" href="/uPlot.min.css">
<script src="/uPlot.iife.min.js"></script>
<div id="dash"></div>
<script type="module">
  import { naiveMetric, naiveChart, naiveLog, sockets } from '/naive-dashboard.js';
  const rows = ${JSON.stringify(mixedRows(topics))};
  const charts = [];
  const dash = document.getElementById('dash');
  for (const { kind, topics } of rows) {
    const row = document.createElement('div');
    row.className = 'row ' + kind;
    dash.append(row);
    for (const t of topics) {
      if (kind === 'm') naiveMetric(row, ${JSON.stringify(ws)}, t);
      else if (kind === 'c') charts.push(naiveChart(row, ${JSON.stringify(ws)}, t, ${CHART_WINDOW_S}));
      else naiveLog(row, ${JSON.stringify(ws)}, t);
    }
  }
  window.__fill = () => ({ chartPoints: Math.round(charts.reduce((n, c) => n + c.points(), 0) / charts.length), socketsOpen: sockets.open, socketCloses: sockets.closes });
  window.__ready = async () => true;
</script>`;
}

/** `count` metrics in a grid of 6 columns, cards sized so that 24 fit a 1280×800 viewport. */
export function manyMetricsPage(gateway: string, count: number): string {
  const cells = Array.from({ length: count }, (_, i) => `<rt-metric topic="bench.many.${i}" decimals="1" style="height:176px;box-sizing:border-box"></rt-metric>`);
  return `<!doctype html><meta charset="utf-8"><title>rt: ${count} metrics</title>${STYLE}
<script type="module" src="${gateway}/rt.js"></script>
<div class="row m" style="gap:24px 8px">${cells.join('')}</div>
<script>
  window.__fill = () => {
    const vh = innerHeight;
    const inView = [...document.querySelectorAll('rt-metric')].filter((m) => { const r = m.getBoundingClientRect(); return r.bottom > 0 && r.top < vh; }).length;
    return { inView };
  };
  window.__ready = async () => { await customElements.whenDefined('rt-metric'); return true; };
</script>`;
}

/** One event log that keeps up to `max` rows. */
export function bigLogPage(gateway: string, max: number): string {
  return `<!doctype html><meta charset="utf-8"><title>rt: one event log</title>${STYLE}
<script type="module" src="${gateway}/rt.js"></script>
<rt-event-log topic="bench.biglog" max="${max}" style="--rt-event-log-height: 600px"></rt-event-log>
<script>
  window.__fill = () => {
    const log = document.querySelector('rt-event-log');
    const count = (root) => { let n = 0; for (const el of root.querySelectorAll('*')) { n++; if (el.shadowRoot) n += count(el.shadowRoot); } return n; };
    return { rows: log.entryCount ?? 0, nodes: log.shadowRoot ? count(log.shadowRoot) : 0 };
  };
  window.__ready = async () => { await customElements.whenDefined('rt-event-log'); return true; };
</script>`;
}

/** Pages whose downloads are measured: what a page with only these pieces fetches. */
export type SizePage = 'metric-only' | 'all-three' | 'subscribe-only';

export function sizePage(gateway: string, which: SizePage): string {
  const body =
    which === 'subscribe-only'
      ? `<div id="v">—</div><script type="module">
  import { subscribe } from '${gateway}/rt.js';
  subscribe('bench.size.m', { onMessages: (msgs) => { document.getElementById('v').textContent = String(msgs.at(-1).value); } });
  window.__ready = async () => true;
</script>`
      : `<script type="module" src="${gateway}/rt.js"></script>
<rt-metric topic="bench.size.m"></rt-metric>
${which === 'all-three' ? '<rt-chart topics="bench.size.m" window="60"></rt-chart><rt-event-log topic="bench.size.l"></rt-event-log>' : ''}
<script>
  window.__ready = async () => {
    for (const tag of ${JSON.stringify(which === 'all-three' ? ['rt-metric', 'rt-chart', 'rt-event-log'] : ['rt-metric'])}) await customElements.whenDefined(tag);
    return true;
  };
</script>`;
  return `<!doctype html><meta charset="utf-8"><title>rt: ${which}</title>${body}`;
}
