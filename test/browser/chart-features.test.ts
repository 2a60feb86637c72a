import '../../widgets/index.js';
import { loadElement, type RtChart } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

interface PlotInternals {
  plot: { series: { label?: string; _stroke?: string; stroke?: () => string }[]; scales: { y: { min: number; max: number } }; data: (number | null | undefined)[][] } | null;
}

const plotOf = (chart: RtChart) => (chart as unknown as PlotInternals).plot;

describe('<rt-chart> features', () => {
  before(() => loadElement('rt-chart'));
  afterEach(unmountAll);

  it('names, colours and units its series from <rt-series> children, with a field path', async () => {
    const [a, b] = [uniqueTopic('cpu'), uniqueTopic('mem')];
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" unit="%">
      <rt-series topic="${a}" label="CPU user" color="rgb(255, 0, 0)" field="cpu.user"></rt-series>
      <rt-series topic="${b}" label="Memory" unit="GB"></rt-series>
    </rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    await publish([
      { topic: a, value: 1, data: { cpu: { user: 42 } } },
      { topic: b, value: 3 },
    ]);
    const legend = () => [...part(chart, 'legend')!.querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    await waitFor(() => legend().join('|') === 'CPU user 42 %|Memory 3 GB', `the legend, got ${legend().join('|')}`);
    equal((part(chart, 'legend')!.querySelector('.swatch') as HTMLElement).style.background, 'rgb(255, 0, 0)');
    deepEqual(plotOf(chart)!.series.slice(1).map((s) => s.label), ['CPU user', 'Memory']);
    // A series added later is plotted too.
    const c = uniqueTopic('disk');
    chart.insertAdjacentHTML('beforeend', `<rt-series topic="${c}" label="Disk"></rt-series>`);
    await waitFor(() => legend().length === 3, 'the third series');
  });

  it('says "no data yet" until a point arrives, then draws', async () => {
    const topic = uniqueTopic('empty');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    await waitFor(() => part(chart, 'state')?.textContent === 'no data yet', 'no data yet');
    equal(chart.getAttribute('state'), 'empty');
    await publish({ topic, value: 5 });
    await waitFor(() => part(chart, 'state') === null && chart.getAttribute('state') === 'live', 'the words gone once data is here');
  });

  it('fixes the y axis with y-min and y-max and draws the chosen type', async () => {
    const topic = uniqueTopic('range');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" y-min="0" y-max="100" type="step"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    await publish({ topic, value: 40 });
    await waitFor(() => chart.pointCount === 1, 'the point');
    await waitFor(() => plotOf(chart)?.scales.y.min === 0 && plotOf(chart)?.scales.y.max === 100, 'y from 0 to 100');
    for (const type of ['line', 'area', 'bars']) {
      chart.type = type;
      await chart.updateComplete;
      equal(part(chart, 'error'), null, `type ${type} is accepted`);
    }
  });

  it('breaks the line at a silence longer than gap-after', async () => {
    const topic = uniqueTopic('gaps');
    const now = Date.now();
    await publish([
      { topic, value: 1, ts: now - 50_000 },
      { topic, value: 2, ts: now - 49_000 },
      { topic, value: 3, ts: now - 10_000 },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="60" gap-after="5s"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await waitFor(() => chart.pointCount === 3, 'three points');
    await waitFor(() => (plotOf(chart)?.data[1] ?? []).filter((y) => y === null).length === 1, 'one break (null) in the line');
  });

  it('refuses bad type, axis bounds, gap-after and series with a clear error', async () => {
    const consoleError = console.error;
    console.error = () => {};
    try {
      const cases: [string, string][] = [
        [`topics="a.b" type="pie"`, 'type must be one of line, area, bars, step'],
        [`topics="a.b" y-min="low"`, 'y-min must be a number'],
        [`topics="a.b" y-min="10" y-max="5"`, 'y-min (10) must be below y-max (5)'],
        [`topics="a.b" gap-after="long"`, 'gap-after must be a duration'],
        [`><rt-series label="x"></rt-series`, 'has no topic attribute'],
        [`><rt-series topic="a.b" color="notacolour"></rt-series`, 'color must be a CSS colour'],
      ];
      for (const [attributes, words] of cases) {
        const container = mount(`<rt-chart gateway="${gatewayUrl()}" ${attributes}></rt-chart>`);
        const chart = container.querySelector<RtChart>('rt-chart')!;
        await chart.updateComplete;
        const error = part(chart, 'error')?.textContent ?? '';
        ok(error.includes('bad_attribute') && error.includes(words), `${attributes}: got "${error}"`);
      }
    } finally {
      console.error = consoleError;
    }
  });

  it('follows a re-theme of the page without polling: the canvas colours change', async () => {
    const container = mount(`<rt-chart gateway="ws://127.0.0.1:65531/ws" topics="a.b"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await waitFor(() => plotOf(chart), 'the plot');
    const before = plotOf(chart);
    container.style.setProperty('--rt-series-1', 'rgb(1, 2, 3)');
    await waitFor(() => plotOf(chart) && plotOf(chart) !== before, 'the plot rebuilt');
    const stroke = plotOf(chart)!.series[1].stroke;
    equal(typeof stroke === 'function' ? stroke() : stroke, 'rgb(1, 2, 3)');
  });
});

describe('<rt-chart> crosshair', () => {
  before(() => loadElement('rt-chart'));
  afterEach(unmountAll);

  it('shows the local time and each series value under the pointer', async () => {
    const topic = uniqueTopic('tip');
    const ts = Date.now() - 2000;
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" window="10" unit="ms"><rt-series topic="${topic}" label="latency"></rt-series></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    await publish({ topic, value: 12, ts });
    await waitFor(() => chart.pointCount === 1, 'the point');
    const plot = plotOf(chart) as unknown as { setCursor(c: { left: number; top: number }): void; valToPos(v: number, s: string): number };
    plot.setCursor({ left: plot.valToPos(ts / 1000, 'x'), top: 10 });
    const tip = chart.shadowRoot!.querySelector<HTMLElement>('[part="tooltip"]')!;
    await waitFor(() => !tip.hidden, 'the tooltip');
    const expectedTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(ts);
    equal(tip.textContent, `${expectedTime}\nlatency: 12 ms`);
  });
});
