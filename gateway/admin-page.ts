/**
 * `/admin`: the operator's dashboard, made of rt's own widgets subscribed to
 * this gateway's `$sys.gateway.<instance>.…` topics: connections, topics,
 * rates, refusals, bus health and the processor lag (the ingest backlog). The page holds no
 * secret: it asks for the admin token (kept in sessionStorage for the tab)
 * and hands it to `configure({ token })`; the gateway refuses `$sys` topics
 * to anything but an admin token. In development mode it opens without one.
 */
import express, { type Router } from 'express';

export interface AdminPageOptions {
  /** `$sys.gateway.<instance>` of this gateway. */
  prefix: () => string;
  /** Whether an admin token is needed (a config with tenants and an `admin` section). */
  tokenRequired: () => boolean;
  /** Ingest partitions, one lag series each on the chart (0 = totals only). */
  partitions?: number;
}

/** Most per-partition lines on the lag chart. */
const MAX_PARTITION_SERIES = 16;

function page(prefix: string, tokenRequired: boolean, partitions: number): string {
  const t = (name: string): string => `${prefix}.${name}`;
  // Past 16 partitions the chart shows the total only: more lines would not be legible.
  const perPartition = partitions <= MAX_PARTITION_SERIES ? partitions : 0;
  const lagSeries = [t('lag.entries'), ...Array.from({ length: perPartition }, (_, p) => t(`lag.p${p}.entries`))].join(',');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>rt admin</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f6f7f9; color: #1d2430; }
  h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 1rem; }
  .wide { grid-column: 1 / -1; }
  rt-chart { height: 240px; }
  rt-event-log { height: 280px; }
  form { display: flex; gap: .5rem; margin-bottom: 1rem; }
  input { flex: 1; max-width: 28rem; padding: .4rem; font: inherit; }
  code { font-size: .85em; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<h1>rt gateway <code>${prefix.split('.').slice(2).join('.')}</code></h1>
<form id="login" ${tokenRequired ? '' : 'hidden'}>
  <input id="token" type="password" autocomplete="off" placeholder="admin token" aria-label="admin token">
  <button type="submit">Use token</button>
</form>
<div class="grid" id="board" ${tokenRequired ? 'hidden' : ''}>
  <rt-metric topic="${t('connections')}" label="Live connections"></rt-metric>
  <rt-metric topic="${t('topics')}" label="Topics held"></rt-metric>
  <rt-metric topic="${t('messages_per_sec')}" label="Messages out" unit="/s"></rt-metric>
  <rt-metric topic="${t('refusals_per_sec')}" label="Refusals" unit="/s"></rt-metric>
  <rt-metric topic="${t('bus_healthy')}" label="Bus healthy (1 = yes)"></rt-metric>
  <rt-metric topic="${t('lag.entries')}" label="Processor lag (unprocessed entries)"></rt-metric>
  <rt-metric topic="${t('lag.oldest_ms')}" label="Oldest unprocessed entry" unit="ms"></rt-metric>
  <rt-chart class="wide" topics="${t('messages_per_sec')},${t('connections')}" window="300" label="Messages out per second and connections"></rt-chart>
  <rt-chart class="wide" topics="${lagSeries}" window="300" label="Processor lag: unprocessed entries, total and per partition"></rt-chart>
  <rt-event-log class="wide" topic="${t('refusals')}" label="Refusals by reason" max="500"></rt-event-log>
</div>
<script type="module">
  import { configure } from '/rt.js';
  const required = ${JSON.stringify(tokenRequired)};
  const show = (token) => {
    if (token) configure({ token });
    document.getElementById('login').hidden = true;
    document.getElementById('board').hidden = false;
  };
  const saved = sessionStorage.getItem('rt-admin-token');
  if (!required) show(null);
  else if (saved) show(saved);
  document.getElementById('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = document.getElementById('token').value.trim();
    if (!token) return;
    sessionStorage.setItem('rt-admin-token', token);
    show(token);
  });
</script>
</body>
</html>
`;
}

export function createAdminRouter(options: AdminPageOptions): Router {
  const router = express.Router();
  router.get('/admin', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
    res.type('html').send(page(options.prefix(), options.tokenRequired(), options.partitions ?? 0));
  });
  return router;
}
