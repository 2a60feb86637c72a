/**
 * `open` on an element is a promise: what is published from then on reaches
 * it live. It holds only once the gateway acknowledged the element's topic.
 * A chart added to a page whose socket was already open used to say `open`
 * at once, before its `sub` even left; events published in that moment
 * reached it neither live nor in its snapshot when their `ts` lay outside the
 * window the gateway measured (the screenshot test's frozen page clock), and
 * the chart stayed on "no data yet".
 */
import '../../widgets/index.js';
import type { RtChart, RtMetric } from '../../widgets/index.js';
import { deepEqual } from './support/assert.js';
import { mount, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

/** Whether the gateway has acknowledged `topic` on any socket of the page. */
function acknowledged(topic: string): boolean {
  return spy.sockets.some((s) => s.received.some((frame) => frame.op === 'subscribed' && (frame.topics as string[] | undefined)?.includes(topic)));
}

describe('an element says open only once its topic is live', () => {
  afterEach(unmountAll);

  it('a chart joining an already open socket reports open only after the gateway acknowledged its topic, then draws what is published at once', async () => {
    const gateway = gatewayUrl();
    // Another element opens the page's socket first, as on a page with a metric above the chart.
    const metric = mount(`<rt-metric gateway="${gateway}" topic="${uniqueTopic('first')}"></rt-metric>`).querySelector<RtMetric>('rt-metric')!;
    await whenLive(metric);

    const topic = uniqueTopic('late');
    const chart = mount(`<rt-chart gateway="${gateway}" topics="${topic}" window="60"></rt-chart>`).querySelector<RtChart>('rt-chart')!;
    const ackedWhenOpen: boolean[] = [];
    chart.addEventListener('rt-status', (event) => {
      if (event.detail.status === 'open') ackedWhenOpen.push(acknowledged(topic));
    });
    await whenLive(chart);
    deepEqual(ackedWhenOpen, [true], 'rt-status "open" came once, after the gateway acknowledged the topic');

    await publish([
      { topic, value: 1, ts: Date.now() - 2000 },
      { topic, value: 2, ts: Date.now() - 1000 },
    ]);
    await waitFor(() => chart.pointCount === 2 && chart.getAttribute('state') !== 'empty', 'the chart to draw both points and leave "no data yet"');
  });

  it('a second listener of a topic whose sub is still pending also waits for the acknowledgement', async () => {
    const gateway = gatewayUrl();
    const metric = mount(`<rt-metric gateway="${gateway}" topic="${uniqueTopic('opener')}"></rt-metric>`).querySelector<RtMetric>('rt-metric')!;
    await whenLive(metric);

    const topic = uniqueTopic('shared');
    const container = mount(`<rt-metric gateway="${gateway}" topic="${topic}"></rt-metric><rt-chart gateway="${gateway}" topics="${topic}" window="60"></rt-chart>`);
    const ackedWhenOpen: boolean[] = [];
    for (const element of container.children) {
      element.addEventListener('rt-status', (event) => {
        if ((event as CustomEvent<{ status: string }>).detail.status === 'open') ackedWhenOpen.push(acknowledged(topic));
      });
    }
    for (const element of container.children) await whenLive(element);
    deepEqual(ackedWhenOpen, [true, true], 'both elements said open once, after the acknowledgement');
  });
});
