// <rt-chart> and <rt-event-log> on a page of another origin than the gateway
// that serves rt.js: their chunks are fetched from the gateway (CORS) the
// first time such an element appears, and an element that was there before
// its code keeps what the page set on it.
import { equal, ok } from './support/assert.js';
import { fetchedChunks, gatewayOrigin, importBundle } from './support/bundle.js';
import { mount, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

interface ChartLike extends HTMLElement {
  updateComplete: Promise<boolean>;
  window: number;
  pointCount: number;
}
interface LogLike extends HTMLElement {
  updateComplete: Promise<boolean>;
  max: number;
  entryCount: number;
}

describe('lazily loaded elements', () => {
  afterEach(unmountAll);

  it('a chart connected before its chunk arrives loads it from the gateway and keeps its early attributes and properties', async () => {
    const bundle = await importBundle();
    equal(customElements.get('rt-chart'), undefined, 'no chart code before a chart appears');
    const topic = uniqueTopic('lazy-chart');
    const chart = document.createElement('rt-chart') as ChartLike;
    chart.setAttribute('gateway', gatewayUrl());
    chart.setAttribute('topics', topic);
    // A property set from script before the element has its code.
    chart.window = 45;
    mount('').append(chart);
    const Chart = await customElements.whenDefined('rt-chart');
    ok(chart instanceof Chart, 'the element was upgraded in place');
    await chart.updateComplete;
    equal(chart.window, 45, 'the early property');
    equal(await bundle.loadElement('rt-chart'), Chart, 'loadElement resolves with the same class');
    ok(fetchedChunks().some((url) => url.startsWith(`${gatewayOrigin()}/rt/rt-chart-`)), `the chart chunk came from the gateway: ${fetchedChunks().join(' ')}`);
    await whenLive(chart);
    await publish({ topic, value: 3, ts: Date.now() });
    await waitFor(() => chart.pointCount === 1, 'the point on the chart');
  });

  it('an event log inside an open shadow root is found, and keeps its early max', async () => {
    await importBundle();
    class Host extends HTMLElement {
      constructor() {
        super();
        this.attachShadow({ mode: 'open' });
      }
    }
    customElements.define('lazy-test-host', Host);
    const host = document.createElement('lazy-test-host');
    mount('').append(host);
    // Rendered into the shadow root after the host is on the page, as a framework would.
    await new Promise((r) => setTimeout(r, 20));
    const topic = uniqueTopic('lazy-log');
    const log = document.createElement('rt-event-log') as LogLike;
    log.setAttribute('gateway', gatewayUrl());
    log.setAttribute('topic', topic);
    log.max = 3;
    host.shadowRoot!.append(log);
    await customElements.whenDefined('rt-event-log');
    await log.updateComplete;
    equal(log.max, 3, 'the early property');
    ok(fetchedChunks().some((url) => url.startsWith(`${gatewayOrigin()}/rt/rt-event-log-`)), 'the log chunk came from the gateway');
    await whenLive(log);
    await publish([1, 2, 3, 4, 5].map((n) => ({ topic, data: { msg: `e${n}` } })));
    await waitFor(() => log.entryCount === 3, 'the newest 3 events');
  });

  it('loadElement refuses a tag it does not load', async () => {
    const bundle = await importBundle();
    let error: unknown;
    await bundle.loadElement('rt-nope').catch((e: unknown) => (error = e));
    ok(error instanceof TypeError && /rt-chart, rt-event-log/.test(error.message), String(error));
  });
});
