import type { Message } from '../../protocol/index.js';
import { subscribe } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

describe('reconnect', () => {
  it('after the socket drops, it resumes with since and delivers every missed message once', async () => {
    const topic = uniqueTopic('resume');
    const received: Message[] = [];
    const statuses: string[] = [];
    const stop = subscribe(topic, {
      gateway: gatewayUrl(),
      // Held sockets fail before hello; in `auto` two of those would (rightly) move the page to SSE, which this spy does not see.
      transport: 'websocket',
      onMessages: (msgs) => received.push(...msgs),
      onStatus: (status) => statuses.push(status),
    });
    try {
      await waitFor(() => statuses.includes('open'), 'the connection to open');
      await publish([1, 2, 3].map((value) => ({ topic, value })));
      await waitFor(() => received.length === 3, 'the first three messages');
      const lastBefore = received[2].id;

      // Drop the socket; hold reconnects while more messages are published.
      spy.hold = true;
      const first = spy.openSocket()!;
      first.socket.close();
      await waitFor(() => statuses.at(-1) === 'reconnecting', 'status reconnecting');
      await publish([4, 5, 6, 7].map((value) => ({ topic, value })));
      await sleep(300);
      spy.hold = false;
      window.dispatchEvent(new Event('online'));

      await waitFor(() => received.length >= 7, 'the missed messages after reconnecting');
      await publish({ topic, value: 8 });
      await waitFor(() => received.length >= 8, 'live data after the catch-up');
      await sleep(200);

      const resumed = spy.sockets.filter((s) => s.sent.some((f) => f.op === 'sub')).at(-1)!;
      ok(resumed !== first, 'a new socket carried the resubscription');
      const entry = (resumed.sent.find((f) => f.op === 'sub')!.topics as { topic: string; since?: string }[]).find((t) => t.topic === topic);
      equal(entry?.since, lastBefore, 'resubscribed since the last id seen');
      deepEqual(received.map((m) => m.value), [1, 2, 3, 4, 5, 6, 7, 8], 'every message once, in order');
      equal(new Set(received.map((m) => m.id)).size, received.length, 'no id twice');
      deepEqual(statuses.slice(-2), ['reconnecting', 'open']);
    } finally {
      stop();
    }
  });
});
