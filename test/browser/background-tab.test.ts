// A background tab (hidden: the browser runs no animation frames) keeps its
// connection and its place, and applies what arrived meanwhile as one batch
// when it comes back. Another tab is brought to the front of the page's
// window and closed again (puppeteer, through the test runner).
import { executeServerCommand } from '@web/test-runner-commands';
import type { Message } from '../../protocol/index.js';
import { subscribe } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

describe('background tab', () => {
  it('a background tab keeps its socket and position, and applies the messages that arrived meanwhile in one batch', async () => {
    const topic = uniqueTopic('background');
    const batches: Message[][] = [];
    const statuses: string[] = [];
    const visibility: string[] = [];
    const onVisibility = (): void => void visibility.push(document.visibilityState);
    document.addEventListener('visibilitychange', onVisibility);
    const stop = subscribe(topic, { gateway: gatewayUrl(), onMessages: (msgs) => batches.push([...msgs]), onStatus: (s) => statuses.push(s) });
    try {
      await waitFor(() => statuses.includes('open'), 'the connection to open');
      await publish({ topic, value: 0 });
      await waitFor(() => batches.length === 1, 'the first message');
      const socketsBefore = spy.sockets.length;

      const events = Array.from({ length: 20 }, (_, i) => ({ topic, value: i + 1 }));
      const { status } = await executeServerCommand<{ status: number }, unknown>('rt-background', { events, ms: 800 });
      equal(status, 202, 'the events were accepted while the tab was in the background');
      ok(visibility.includes('hidden'), `the page was hidden meanwhile (visibility changes: ${visibility.join(', ')})`);
      await waitFor(() => batches.flat().length === 21, 'every message after the tab came back');
      await sleep(100);
      deepEqual(batches.flat().map((m) => m.value), Array.from({ length: 21 }, (_, i) => i), 'every message once, in order');
      equal(batches.length, 2, 'what arrived while hidden came as one batch');
      equal(spy.sockets.length, socketsBefore, 'the same socket: no reconnect');
      ok(!statuses.includes('reconnecting'), 'the connection never dropped');
    } finally {
      document.removeEventListener('visibilitychange', onVisibility);
      stop();
    }
  });
});
