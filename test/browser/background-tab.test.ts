// A background tab (hidden: the browser runs no animation frames) keeps its
// connection and its place, and applies what arrived meanwhile as one batch
// when it comes back. Another tab is brought to the front of the page's
// window and closed again (puppeteer, through the test runner). While
// hidden, messages are only stored: no listener is called and no element
// renders, however many socket frames arrive.
import { executeServerCommand } from '@web/test-runner-commands';
import '../../widgets/index.js';
import type { RtMetric } from '../../widgets/index.js';
import type { Message } from '../../protocol/index.js';
import { subscribe } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll } from './support/fixture.js';
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

describe('background tab, with a stream of messages while hidden', () => {
  afterEach(unmountAll);

  it('calls no listener and renders no element while hidden, then applies what arrived as one batch and one render', async () => {
    const topic = uniqueTopic('hidden-stream');
    const gateway = gatewayUrl();
    const container = mount(`<rt-metric gateway="${gateway}" topic="${topic}"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    const renders: DocumentVisibilityState[] = [];
    const updated = (metric as unknown as { updated(changed: unknown): void }).updated.bind(metric);
    (metric as unknown as { updated(changed: unknown): void }).updated = (changed) => {
      renders.push(document.visibilityState);
      updated(changed);
    };
    const batches: { size: number; visibility: DocumentVisibilityState }[] = [];
    let open = false;
    const stop = subscribe(topic, {
      gateway,
      onMessages: (msgs) => batches.push({ size: msgs.length, visibility: document.visibilityState }),
      onStatus: (s) => (open ||= s === 'open'),
    });
    try {
      await waitFor(() => open && metric.state === 'empty', 'the connection to open');
      await publish({ topic, value: 0 });
      await waitFor(() => part(metric, 'value')?.textContent === '0', 'the first value shown');
      const before = { batches: batches.length, renders: renders.length };

      // Six requests 150 ms apart: six socket frames reach the hidden page, far apart in time.
      const posts = Array.from({ length: 6 }, (_, p) => Array.from({ length: 5 }, (_, i) => ({ topic, value: p * 5 + i + 1 })));
      const { status } = await executeServerCommand<{ status: number }, unknown>('rt-background', { posts, gapMs: 150, ms: 300 });
      equal(status, 202, 'the events were accepted while the tab was in the background');

      await waitFor(() => part(metric, 'value')?.textContent === '30', 'the newest value once visible again');
      await sleep(100);
      const hiddenBatches = batches.slice(before.batches).filter((b) => b.visibility === 'hidden');
      const hiddenRenders = renders.slice(before.renders).filter((v) => v === 'hidden');
      equal(hiddenBatches.length, 0, 'listener calls while hidden');
      equal(hiddenRenders.length, 0, 'renders while hidden');
      deepEqual(batches.slice(before.batches).map((b) => b.size), [30], 'the 30 messages came as one batch once visible');
      ok(renders.length - before.renders <= 2, `one render (or two, with the freshness line) for the catch-up, got ${renders.length - before.renders}`);
    } finally {
      stop();
    }
  });
});
