import '../../widgets/index.js';
import type { RtMetric } from '../../widgets/index.js';
import { subscribe } from '../../widgets/index.js';
import { equal } from './support/assert.js';
import { mount, part, unmountAll } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { nextFrame, waitFor } from './support/wait.js';

describe('off-screen elements', () => {
  afterEach(unmountAll);

  it('an element out of view stores its data without rendering it, and shows the current value within a frame of coming into view', async () => {
    const topic = uniqueTopic('offscreen');
    const gateway = gatewayUrl();
    const container = mount(`<div style="height: ${innerHeight * 3}px"></div><rt-metric gateway="${gateway}" topic="${topic}"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    let renders = 0;
    const updated = (metric as unknown as { updated(): void }).updated.bind(metric);
    (metric as unknown as { updated(): void }).updated = () => {
      renders++;
      updated();
    };
    // A listener of the same topic on the same connection sees each value in the frame the element gets it.
    let seen: number | undefined;
    let open = false;
    const stop = subscribe(topic, {
      gateway,
      maxBuffered: 1,
      onMessages: (messages) => (seen = messages.at(-1)!.value),
      onStatus: (status) => (open ||= status === 'open'),
    });
    try {
      await waitFor(() => open, 'the connection to open');
      await metric.updateComplete;
      const rendersBefore = renders;
      for (let i = 1; i <= 5; i++) {
        await publish({ topic, value: i });
        await waitFor(() => seen === i, `value ${i} to arrive`);
        await nextFrame();
      }
      equal(renders, rendersBefore, 'renders while out of view');
      equal(part(metric, 'value')!.textContent, '—', 'the value shown while out of view');

      metric.scrollIntoView();
      await nextFrame();
      await nextFrame();
      equal(part(metric, 'value')!.textContent, '5', 'the value two frames after scrolling into view');
    } finally {
      stop();
      scrollTo(0, 0);
    }
  });
});
