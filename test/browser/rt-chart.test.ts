import '../../widgets/index.js';
import type { RtChart } from '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { nextFrame, waitFor } from './support/wait.js';

describe('<rt-chart>', () => {
  afterEach(unmountAll);

  it('renders a uPlot canvas inside its shadow root, styled by uPlot\'s CSS', async () => {
    const topic = uniqueTopic('load');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="60"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    const canvas = await waitFor(() => chart.shadowRoot!.querySelector('.uplot canvas'), 'a uPlot canvas');
    ok(canvas instanceof HTMLCanvasElement, 'a canvas');
    ok(canvas.width > 0 && canvas.height > 0, `canvas has a size (${canvas.width}×${canvas.height})`);
    // uPlot's stylesheet is in the shadow root: its .u-over overlay is absolutely positioned.
    const over = chart.shadowRoot!.querySelector('.u-over');
    equal(over && getComputedStyle(over).position, 'absolute');
  });

  it('gets points for every topic, one series each', async () => {
    const a = uniqueTopic('a');
    const b = uniqueTopic('b');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${a}, ${b}" window="60"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    const now = Date.now();
    await publish([
      { topic: a, value: 1, ts: now - 3000 },
      { topic: a, value: 2, ts: now - 2000 },
      { topic: b, value: 10, ts: now - 2500 },
      { topic: a, value: 3, ts: now - 1000 },
      { topic: b, value: 20, ts: now - 500 },
    ]);
    await waitFor(() => chart.pointCount === 5, 'five points');
    const legend = part(chart, 'legend')!;
    await waitFor(() => legend.textContent!.includes('20'), 'the legend to show the latest value of b');
    equal(legend.querySelectorAll('li').length, 2, 'one legend entry per topic');
  });

  it('drops points older than the window so memory stays bounded', async () => {
    const topic = uniqueTopic('old');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="10"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    const now = Date.now();
    await publish([
      { topic, value: 1, ts: now - 60_000 },
      { topic, value: 2, ts: now - 30_000 },
      { topic, value: 3, ts: now - 1000 },
      { topic, value: 4, ts: now },
    ]);
    await waitFor(() => chart.pointCount === 2, 'only the two points inside the 10 s window');
  });

  it('resizes with its container', async () => {
    const topic = uniqueTopic('size');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    const canvas = await waitFor(() => chart.shadowRoot!.querySelector('.uplot canvas') as HTMLCanvasElement | null, 'a canvas');
    const before = canvas.getBoundingClientRect().width;
    container.style.width = '300px';
    await waitFor(() => Math.abs(canvas.getBoundingClientRect().width - before) > 100, 'the canvas to shrink');
    await nextFrame();
  });

  it('destroys its uPlot when removed and builds a new one when put back', async () => {
    const topic = uniqueTopic('again');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await waitFor(() => chart.shadowRoot!.querySelector('.uplot'), 'a chart');
    chart.remove();
    equal(chart.shadowRoot!.querySelector('.uplot'), null, 'uPlot is gone from the detached element');
    container.append(chart);
    await waitFor(() => chart.shadowRoot!.querySelectorAll('.uplot').length === 1, 'exactly one chart after re-insertion');
  });
});
