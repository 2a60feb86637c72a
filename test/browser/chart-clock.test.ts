import '../../widgets/index.js';
import type { RtChart } from '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

describe('<rt-chart> time axis', () => {
  const realNow = Date.now;
  afterEach(() => {
    Date.now = realNow;
    unmountAll();
  });

  it('the window ends at the wall clock, so a silent topic stops short of the right edge and ages out', async () => {
    const topic = uniqueTopic('clock');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="60"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await whenLive(chart);
    const sent = realNow.call(Date);
    await publish({ topic, value: 42, ts: sent });
    await waitFor(() => chart.pointCount === 1, 'the point');

    // A fake clock from here on: the page's time moves, the topic stays silent.
    let now = realNow.call(Date);
    Date.now = () => now;
    now += 30_000;
    await waitFor(() => chart.windowEnd === now, 'the window end to follow the clock 30 s on');
    ok(chart.windowEnd - sent >= 30_000, 'the newest point sits 30 s short of the right edge');
    equal(chart.pointCount, 1, 'still inside a 60 s window');
    ok(part(chart, 'legend')!.textContent!.includes('42'), 'the legend still shows it');

    now += 31_000;
    await waitFor(() => chart.windowEnd === now, 'the window end to follow the clock 61 s on');
    await waitFor(() => chart.pointCount === 0, 'the point to age out of the window');
    await waitFor(() => part(chart, 'legend')!.textContent!.includes('—'), 'the legend to show no value');
  });
});
