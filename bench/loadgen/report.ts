/** The readable form of a load result. */
import type { LoadResult } from './run.js';

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** A two-column table of one load result. */
export function formatLoadResult(r: LoadResult): string {
  const rows: [string, string][] = [
    ['target', `${r.url} (${r.protocol})`],
    ['clients', `${r.connected} connected, ${r.failed} failed${r.firstError ? ` — ${r.firstError}` : ''}; ${r.workers} worker(s), ${r.sourceAddresses} source address(es)`],
    ['topics', `${r.topics} (${r.distribution}), ${r.subsPerClient} per client, ${r.subscriptions} subscriptions`],
    ['published', `${r.published} messages at ${r.rate} msg/s for ${r.durationS} s`],
    ['delivered', `${r.delivered} of ${r.expected} owed (${r.deliveriesPerSecond} /s), ${r.messagesPerFrame} messages per frame`],
    ['lost / duplicated', `${r.lost} / ${r.duplicates} (skipped ${r.skipped}, closed by server ${r.closedEarly})`],
    ['latency (ms)', `p50 ${r.latencyMs.p50}  p90 ${r.latencyMs.p90}  p99 ${r.latencyMs.p99}  p99.9 ${r.latencyMs.p999}  max ${r.latencyMs.max}`],
  ];
  if (r.server) {
    rows.push(
      ['server CPU', `${r.server.cpuSeconds} s, ${r.server.cpuPerDeliveryUs} µs per delivery`],
      ['server RSS', `${kb(r.server.rssBeforeBytes)} before, ${kb(r.server.rssIdleBytes)} idle with clients (${r.server.rssPerIdleConnectionBytes} B per connection), ${kb(r.server.rssEndBytes)} at the end`],
    );
  }
  if (r.remote) {
    rows.push(['gateway /metrics', `${r.remote.cpuSeconds} s CPU for ${r.remote.messagesSent} messages sent: ${r.remote.cpuPerMessageSentUs} µs each; ${r.remote.connections} connections`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
