// Loads the built bundle (dist/rt.js, from `npm run build`) twice, as a page
// with rt.js from a CMS plugin and from its own template would.
import { equal, ok } from './support/assert.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { waitFor } from './support/wait.js';

const spy = spyOnWebSocket();
const BUNDLE = '/dist/rt.js';

interface Bundle {
  subscribe(topic: string, options: { gateway?: string; onMessages(msgs: readonly { value?: number }[]): void }): () => void;
}

describe('rt.js loaded twice', () => {
  it('registers the elements once without throwing, and both copies share one socket', async () => {
    // Distinct query strings make the browser evaluate the same file twice.
    const first = (await import(`${BUNDLE}?copy=1`)) as Bundle;
    const second = (await import(`${BUNDLE}?copy=2`)) as Bundle;
    ok(first !== second, 'two separate module instances');
    ok(customElements.get('rt-metric'), 'rt-metric is defined');

    const topic = uniqueTopic('twice');
    const seen: number[] = [];
    const stops = [first, second].map((bundle) =>
      bundle.subscribe(topic, { gateway: gatewayUrl(), onMessages: (msgs) => seen.push(...msgs.map((m) => m.value ?? NaN)) }),
    );
    try {
      await waitFor(() => spy.sentFrames('sub').length > 0, 'the sub frame');
      await publish({ topic, value: 5 });
      await waitFor(() => seen.length === 2, 'both copies to receive the value');
      equal(spy.sockets.length, 1, 'sockets opened by the two copies');
      equal(spy.sentFrames('sub').length, 1, 'one sub for the topic the two copies share');
    } finally {
      for (const stop of stops) stop();
    }
  });
});
