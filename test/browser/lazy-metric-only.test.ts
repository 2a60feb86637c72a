// A page with only <rt-metric>, on another origin than the gateway that
// serves rt.js: it must not download the code of <rt-chart> or <rt-event-log>,
// nor the SSE transport while its WebSocket works.
import { equal, ok } from './support/assert.js';
import { fetchedChunks, importBundle } from './support/bundle.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { sleep, waitFor } from './support/wait.js';

describe('a page with only <rt-metric>', () => {
  afterEach(unmountAll);

  it('requests no chart, log or SSE transport code, and the metric works', async () => {
    await importBundle();
    const topic = uniqueTopic('metric-only');
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}"></rt-metric><div><span>other content</span></div>`);
    const metric = container.querySelector('rt-metric')!;
    ok(customElements.get('rt-metric'), 'rt-metric is defined by rt.js itself');
    await whenLive(metric);
    await publish({ topic, value: 42 });
    await waitFor(() => part(metric, 'value')?.textContent?.trim() === '42', 'the value');
    // More DOM coming and going, as on a real page, must not pull the chunks in either.
    container.append(document.createElement('section'));
    await sleep(100);
    const chunks = fetchedChunks();
    ok(chunks.length > 0, 'the shared chunk rt.js imports was fetched from the gateway');
    equal(chunks.filter((url) => /\/(rt-chart|rt-event-log|sse-socket)-/.test(url)).join(' '), '', 'chart, log or SSE transport chunks fetched');
    equal(customElements.get('rt-chart'), undefined, 'rt-chart not defined yet');
    equal(customElements.get('rt-event-log'), undefined, 'rt-event-log not defined yet');
  });
});
