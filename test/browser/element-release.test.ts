import '../../widgets/index.js';
import { deepEqual, equal } from './support/assert.js';
import { mount, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

function unsubscribedTopics(): string[] {
  return spy.sentFrames('unsub').flatMap((frame) => frame.topics as string[]);
}

describe('releasing subscriptions', () => {
  afterEach(unmountAll);

  it('an element removed from the DOM releases its subscription: the last one out sends unsub', async () => {
    const gateway = gatewayUrl();
    const shared = uniqueTopic('shared');
    const alone = uniqueTopic('alone');
    const container = mount(`
      <rt-metric id="a" gateway="${gateway}" topic="${shared}"></rt-metric>
      <rt-metric id="b" gateway="${gateway}" topic="${shared}"></rt-metric>
      <rt-event-log id="c" gateway="${gateway}" topic="${alone}"></rt-event-log>`);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => container.querySelector(`#${id}`)!);
    for (const element of [a, b, c]) await whenLive(element);

    c.remove();
    await waitFor(() => unsubscribedTopics().includes(alone), `an unsub for ${alone}`);

    a.remove();
    await sleep(100);
    deepEqual(unsubscribedTopics(), [alone], 'the shared topic stays while one element still shows it');

    b.remove();
    await waitFor(() => unsubscribedTopics().includes(shared), `an unsub for ${shared}`);
    equal(spy.sockets.length, 1);
  });

  it('an element moved within the page keeps one subscription (released, then taken again)', async () => {
    const gateway = gatewayUrl();
    const topic = uniqueTopic('moved');
    const container = mount(`<rt-metric gateway="${gateway}" topic="${topic}"></rt-metric><div id="elsewhere"></div>`);
    const metric = container.querySelector('rt-metric')!;
    await whenLive(metric);
    const subsBefore = spy.sentFrames('sub').length;
    container.querySelector('#elsewhere')!.append(metric);
    await sleep(100);
    await whenLive(metric);
    // Removal and re-insertion in one task cancel out: nothing goes on the wire.
    equal(spy.sentFrames('sub').length, subsBefore, 'sub frames after the move');
    equal(unsubscribedTopics().includes(topic), false, 'no unsub for a moved element');
  });
});
