import '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

describe('max-rate', () => {
  afterEach(() => unmountAll());

  it('<rt-metric max-rate="4"> subscribes with maxRate 4 and still shows the final value', async () => {
    const topic = uniqueTopic('rate');
    const metric = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" max-rate="4"></rt-metric>`).firstElementChild!;
    await whenLive(metric);
    const sub = spy.sentFrames('sub').flatMap((frame) => frame.topics as { topic: string; maxRate?: number }[]).find((t) => t.topic === topic);
    ok(sub, 'the topic went on the wire');
    equal(sub!.maxRate, 4);
    for (let i = 1; i <= 20; i++) await publish({ topic, value: i });
    await waitFor(() => part(metric, 'value')?.textContent === '20', 'the final value');
  });
});
