/**
 * Draws docs/img/gateway-*.svg from a `bench:gateway --json` result: server
 * CPU per delivery and p99 latency against the publish rate (1 000 clients ×
 * 1 topic), one line per system, log-scaled rate axis.
 *
 *   node dist/bench/gateway-plot.js bench-results.json docs/img
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Cell {
  cpuPerDeliveryUs: number;
  p99: number;
}

const COLORS: Record<string, string> = { rt: '#d62728', classic: '#1f77b4', socketio: '#2ca02c', preframed: '#7f7f7f', coalescing: '#000000' };
const LABELS: Record<string, string> = {
  rt: 'rt (Redis)',
  classic: 'classic ws + Redis',
  socketio: 'Socket.IO 4 + redis-adapter',
  preframed: 'pre-framed (limit)',
  coalescing: 'coalescing (limit)',
};

function plot(title: string, unit: string, series: Map<string, [number, number][]>, logY: boolean): string {
  const W = 640;
  const H = 360;
  const L = 70;
  const R = 200;
  const T = 40;
  const B = 50;
  const xs = [...series.values()].flat().map(([x]) => x);
  const ys = [...series.values()].flat().map(([, y]) => y).filter((y) => y > 0);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.log10(Math.max(...xs));
  const y0 = logY ? Math.log10(Math.min(...ys)) : 0;
  const y1 = logY ? Math.log10(Math.max(...ys)) : Math.max(...ys) * 1.1;
  const px = (x: number): number => L + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number): number => H - B - (((logY ? Math.log10(Math.max(y, 1e-9)) : y) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">messages/s to 1 000 clients (log)</text>`,
    `<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">${unit}${logY ? ' (log)' : ''}</text>`,
  ];
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${x}</text>`);
  }
  const ticks = logY ? [...Array(Math.ceil(y1) - Math.floor(y0) + 1)].map((_, i) => 10 ** (Math.floor(y0) + i)) : [0, 0.25, 0.5, 0.75, 1].map((f) => f * y1);
  for (const y of ticks) {
    if (py(y) < T - 1 || py(y) > H - B + 1) continue;
    out.push(`<line x1="${L - 4}" y1="${py(y)}" x2="${W - R}" y2="${py(y)}" stroke="#eee"/>`, `<text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${+y.toPrecision(2)}</text>`);
  }
  let legend = T;
  for (const [system, points] of series) {
    const color = COLORS[system] ?? '#999';
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of sorted) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    out.push(`<line x1="${W - R + 12}" y1="${legend}" x2="${W - R + 32}" y2="${legend}" stroke="${color}" stroke-width="2"/>`, `<text x="${W - R + 38}" y="${legend + 4}">${LABELS[system] ?? system}</text>`);
    legend += 18;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const [input, outDir] = process.argv.slice(2);
if (!input || !outDir) throw new Error('usage: gateway-plot.js <bench json> <output folder>');
const results = JSON.parse(readFileSync(input, 'utf8')).results as Record<string, Record<string, Cell>>;
const cpu = new Map<string, [number, number][]>();
const p99 = new Map<string, [number, number][]>();
for (const [scenario, cells] of Object.entries(results)) {
  const rate = /^rate-(\d+)$/.exec(scenario);
  if (!rate) continue;
  for (const [system, cell] of Object.entries(cells)) {
    if (!cpu.has(system)) cpu.set(system, []);
    if (!p99.has(system)) p99.set(system, []);
    cpu.get(system)!.push([Number(rate[1]), cell.cpuPerDeliveryUs]);
    p99.get(system)!.push([Number(rate[1]), cell.p99]);
  }
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'gateway-cpu-per-delivery.svg'), plot('Server CPU per delivery (median)', 'µs per delivery', cpu, true));
writeFileSync(join(outDir, 'gateway-p99.svg'), plot('Delivery latency p99 (median)', 'ms', p99, true));
process.stdout.write(`wrote ${join(outDir, 'gateway-cpu-per-delivery.svg')} and gateway-p99.svg\n`);
