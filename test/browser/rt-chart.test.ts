import '../../widgets/index.js';
import type { Message } from '../../protocol/index.js';
import { Connection } from '../../widgets/connection/connection.js';
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

  it('starts with every point of its window already published, not a fixed count of them', async () => {
    const topic = uniqueTopic('window');
    const count = 600;
    // 2.5 points a second over the last four minutes: twice what a 300-message snapshot held.
    const now = Date.now();
    const events = Array.from({ length: count }, (_, i) => ({ topic, value: i, ts: now - 240_000 + i * 400 }));
    for (let i = 0; i < count; i += 200) await publish(events.slice(i, i + 200));
    await untilStored(topic, count - 1);

    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="300"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await waitFor(() => chart.pointCount === count, `all ${count} points`).catch((error: Error) => {
      throw new Error(`${error.message}; the chart holds ${chart.pointCount}`);
    });
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

/**
 * Resolves once the gateway has delivered the message with `lastValue` on
 * `topic`, so everything published before it is in history. Uses a socket of
 * its own: the page's shared one would put the topic on the wire and let the
 * chart start from that connection's cache instead of a snapshot.
 */
async function untilStored(topic: string, lastValue: number): Promise<void> {
  const probe = new Connection(gatewayUrl(), { idleCloseMs: 0 });
  let seen = false;
  const off = probe.subscribe(topic, {
    snapshot: 1,
    maxBuffered: 1,
    onMessages: (messages: readonly Message[]) => {
      if (messages.some((m) => m.value === lastValue)) seen = true;
    },
  });
  try {
    await waitFor(() => seen, `message ${lastValue} of ${topic} to reach history`);
  } finally {
    off();
  }
}
