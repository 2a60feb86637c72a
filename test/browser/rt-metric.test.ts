import '../../widgets/index.js';
import type { RtMetric } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

function shownValue(metric: Element): string | undefined {
  return part(metric, 'value')?.textContent?.trim();
}

describe('<rt-metric>', () => {
  afterEach(unmountAll);

  it('shows "—" before the first value, then a value POSTed to ingest', async () => {
    const topic = uniqueTopic('orders');
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" label="Orders" unit="/s"></rt-metric>`);
    const metric = container.querySelector('rt-metric')!;
    await whenLive(metric);
    equal(shownValue(metric), '—');
    equal(part(metric, 'label')?.textContent, 'Orders');
    equal(part(metric, 'unit')?.textContent, '/s');
    await publish({ topic, value: 42.5 });
    await waitFor(() => shownValue(metric) === '42.5', 'the posted value to show');
  });

  it('starts from the latest value already published (snapshot of one)', async () => {
    const topic = uniqueTopic('temp');
    await publish([1, 2, 3].map((value) => ({ topic, value })));
    // Ingest answers 202 before the processor publishes; wait until it has.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')!;
    await waitFor(() => shownValue(metric) === '3', 'the latest value from the snapshot');
  });

  it('formats with the reader\'s locale and the decimals attribute', async () => {
    const topic = uniqueTopic('ratio');
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" decimals="2"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    await whenLive(metric);
    await publish({ topic, value: 1234.5 });
    const expected = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(1234.5);
    await waitFor(() => shownValue(metric) === expected, `the value formatted as ${expected}`);
    metric.decimals = 0;
    await metric.updateComplete;
    equal(shownValue(metric), new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(1234.5));
  });

  it('shows the value as stale while the connection is not live, and fresh again after reconnecting', async () => {
    const topic = uniqueTopic('stale');
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')!;
    await whenLive(metric);
    await publish({ topic, value: 1 });
    await waitFor(() => shownValue(metric) === '1', 'the first value');
    const reading = () => metric.shadowRoot!.querySelector('.reading')!;
    ok(!reading().hasAttribute('data-stale'), 'a live value is not stale');
    const statuses: string[] = [];
    metric.addEventListener('rt-status', (event) => statuses.push(event.detail.status));

    spy.hold = true;
    spy.openSocket(gatewayUrl())!.socket.close();
    await waitFor(() => reading().hasAttribute('data-stale'), 'the value to look stale');
    equal(shownValue(metric), '1', 'the last value stays visible');
    equal(part(metric, 'status')?.dataset.status, 'reconnecting');
    spy.hold = false;
    window.dispatchEvent(new Event('online'));
    await waitFor(() => !reading().hasAttribute('data-stale'), 'the value to be fresh again');
    deepEqual(statuses, ['reconnecting', 'open'], 'rt-status events');
  });
});
