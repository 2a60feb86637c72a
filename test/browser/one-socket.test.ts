import '../../widgets/index.js';
import { deepEqual, equal } from './support/assert.js';
import { mount, unmountAll } from './support/fixture.js';
import { gatewayUrl, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

// Installed before any element exists, so every socket of the page is counted.
const spy = spyOnWebSocket();

describe('one socket per page', () => {
  afterEach(unmountAll);

  it('20 elements on a page open exactly one socket, with one sub per distinct topic', async () => {
    const gateway = gatewayUrl();
    const topics = ['cpu', 'mem', 'net', 'disk', 'events'].map(uniqueTopic);
    const [cpu, mem, net, disk, events] = topics;
    const markup: string[] = [];
    for (let i = 0; i < 7; i++) markup.push(`<rt-metric gateway="${gateway}" topic="${[cpu, mem, net][i % 3]}"></rt-metric>`);
    for (let i = 0; i < 7; i++) markup.push(`<rt-chart gateway="${gateway}" topics="${cpu} ${i % 2 ? disk : mem}"></rt-chart>`);
    for (let i = 0; i < 6; i++) markup.push(`<rt-event-log gateway="${gateway}" topic="${events}"></rt-event-log>`);
    const container = mount(markup.join(''));
    const elements = [...container.children];
    equal(elements.length, 20);
    // Most of the 20 are below the fold, where elements do not render: count
    // their rt-status events rather than their status dots.
    const live = new Set<EventTarget>();
    container.addEventListener('rt-status', (event) => {
      if (event.detail.status === 'open' && event.target) live.add(event.target);
    });
    await waitFor(() => live.size === 20, 'all 20 elements to report a live connection');
    // Give any stray second socket a chance to show up before counting.
    await sleep(200);
    equal(spy.sockets.length, 1, 'sockets opened');
    const subscribed = spy.sentFrames('sub').flatMap((frame) => (frame.topics as { topic: string }[]).map((t) => t.topic));
    deepEqual([...subscribed].sort(), [...topics].sort(), 'each topic is subscribed once');
  });
});
