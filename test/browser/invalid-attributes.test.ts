import '../../widgets/index.js';
import type { RtChart } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

function subscribedTopics(): string[] {
  return spy.sentFrames('sub').flatMap((frame) => (frame.topics as { topic: string }[]).map((t) => t.topic));
}

describe('invalid attributes', () => {
  let errors: string[] = [];
  const consoleError = console.error;
  beforeEach(() => {
    errors = [];
    console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
  });
  afterEach(() => {
    console.error = consoleError;
    unmountAll();
  });

  it('render a clear error, do not subscribe, and leave the other widgets on the page working', async () => {
    const gateway = gatewayUrl();
    const good = uniqueTopic('good');
    const cases: [string, string][] = [
      [`<rt-metric gateway="${gateway}" topic="bad topic!"></rt-metric>`, 'bad_topic'],
      [`<rt-metric gateway="${gateway}"></rt-metric>`, 'missing_topic'],
      [`<rt-metric gateway="${gateway}" topic="${good}x" decimals="many"></rt-metric>`, 'bad_attribute'],
      [`<rt-metric gateway="ftp://example.com/ws" topic="${good}y"></rt-metric>`, 'bad_gateway'],
      [`<rt-chart gateway="${gateway}" topics="ok.topic a..b"></rt-chart>`, 'bad_topic'],
      [`<rt-chart gateway="${gateway}" topics="${good}z" window="soon"></rt-chart>`, 'bad_attribute'],
      [`<rt-chart gateway="${gateway}" topics="${good}z" window="-5"></rt-chart>`, 'bad_attribute'],
      [`<rt-event-log gateway="${gateway}" topic="${good}w" max="lots"></rt-event-log>`, 'bad_attribute'],
      [`<rt-event-log gateway="${gateway}" topic="{braces}"></rt-event-log>`, 'bad_topic'],
      [`<rt-metric gateway="${gateway}" topic="${good}s" stale-after="soon"></rt-metric>`, 'bad_attribute'],
      [`<rt-chart gateway="${gateway}" topics="${good}s" stale-after="30"></rt-chart>`, 'bad_attribute'],
      [`<rt-event-log gateway="${gateway}" topic="${good}s" stale-after="-1s"></rt-event-log>`, 'bad_attribute'],
      [`<rt-metric gateway="${gateway}" topic="${good}r" max-rate="fast"></rt-metric>`, 'bad_attribute'],
      [`<rt-chart gateway="${gateway}" topics="${good}r" max-rate="0"></rt-chart>`, 'bad_attribute'],
    ];
    // The valid one first, in view: elements below the fold do not render data.
    const container = mount(`<rt-metric id="good" gateway="${gateway}" topic="${good}"></rt-metric>` + cases.map(([markup]) => markup).join(''));
    const valid = container.querySelector('#good')!;
    await whenLive(valid);
    const elements = [...container.children].slice(1);
    for (let i = 0; i < cases.length; i++) {
      const error = await waitFor(() => part(elements[i], 'error'), `an error in ${cases[i][0]}`);
      ok(error.textContent!.includes(cases[i][1]), `${cases[i][0]} shows ${cases[i][1]}: "${error.textContent!.trim()}"`);
      equal(error.getAttribute('role'), 'alert');
    }
    equal(errors.length, cases.length, 'one console error per broken element');
    ok(errors.some((e) => e.startsWith('<rt-chart>') && e.includes('window must be a positive number')), 'console errors name the element and the problem');

    await publish({ topic: good, value: 7 });
    await waitFor(() => part(valid, 'value')?.textContent === '7', 'the valid metric to keep working');
    await sleep(100);
    deepEqual(subscribedTopics(), [good], 'only the valid topic went on the wire');
    equal(spy.sockets.length, 1, 'no socket for the broken gateway');
  });

  it('an element whose attribute is fixed recovers and subscribes', async () => {
    const topic = uniqueTopic('fixed');
    const container = mount(`<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="soon"></rt-chart>`);
    const chart = container.querySelector<RtChart>('rt-chart')!;
    await waitFor(() => part(chart, 'error'), 'the error');
    chart.setAttribute('window', '60');
    await whenLive(chart);
    equal(part(chart, 'error'), null, 'the error is gone');
    await waitFor(() => subscribedTopics().includes(topic), 'the topic to be subscribed');
  });
});
