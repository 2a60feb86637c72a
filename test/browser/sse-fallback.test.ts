// The SSE fallback transport in Chromium against real gateways: a page whose
// WebSockets cannot open (a gateway that refuses the upgrade, as a blocking
// proxy does) falls back by itself and resumes with since after the stream
// breaks; `transport` forces it; bad values are refused.
import { executeServerCommand } from '@web/test-runner-commands';
import type { Message } from '../../protocol/index.js';
import { configure, subscribe } from '../../widgets/index.js';
import { connectionFor } from '../../widgets/connection/connection-manager.js';
import type { Connection } from '../../widgets/connection/connection.js';
import '../../widgets/metric/rt-metric.js';
import { deepEqual, equal, ok, throws } from './support/assert.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();

/** EventSources the page opened, by URL. */
const streams: string[] = [];
const OriginalEventSource = window.EventSource;
window.EventSource = class extends OriginalEventSource {
  constructor(url: string | URL, init?: EventSourceInit) {
    super(url, init);
    streams.push(String(url));
  }
};

describe('SSE fallback transport', () => {
  it('a page whose WebSocket cannot open works over SSE, and resumes with since after the stream breaks', async () => {
    const url = gatewayUrl('nows');
    const topic = uniqueTopic('sse');
    const received: Message[] = [];
    const statuses: string[] = [];
    const stop = subscribe(topic, { gateway: url, onMessages: (msgs) => received.push(...msgs), onStatus: (s) => statuses.push(s) });
    try {
      await waitFor(() => statuses.includes('open'), 'the connection to open over SSE', 12_000);
      const wsTries = spy.sockets.filter((s) => s.url === url).length;
      ok(wsTries >= 2, `tried the WebSocket first (${wsTries} attempts)`);
      equal((connectionFor(url) as Connection).transportInUse, 'sse');
      await publish([1, 2, 3].map((value) => ({ topic, value })), 'nows');
      await waitFor(() => received.length === 3, 'three messages over SSE');

      // Break the stream for real (the TCP proxy drops it), publish while it is down.
      const opened = streams.length;
      const { cut } = await executeServerCommand<{ cut: number }, unknown>('rt-proxy-cut', {});
      ok(cut >= 1, 'the proxy cut the stream');
      await publish([4, 5, 6].map((value) => ({ topic, value })), 'nows');
      await waitFor(() => received.length >= 6, 'the missed messages after the stream came back', 12_000);
      ok(streams.length > opened, 'a new stream was opened');
      await publish({ topic, value: 7 }, 'nows');
      await waitFor(() => received.length >= 7, 'live data after the catch-up');
      await sleep(200);
      deepEqual(received.map((m) => m.value), [1, 2, 3, 4, 5, 6, 7], 'every message once, in order');
      equal(new Set(received.map((m) => m.id)).size, received.length, 'no id twice');
      equal(spy.sockets.filter((s) => s.url === url).length, wsTries, 'once SSE worked, no WebSocket was tried again');
    } finally {
      stop();
    }
  });

  it('transport="sse" on an element puts its connection on SSE even where WebSockets work', async () => {
    // A URL of its own, so other tests' connection to the main gateway is not affected.
    const url = `${gatewayUrl('main')}?forced-sse`;
    const topic = uniqueTopic('forced');
    const before = spy.sockets.filter((s) => s.url === url).length;
    await publish({ topic, value: 42 });
    const element = document.createElement('rt-metric');
    element.setAttribute('gateway', url);
    element.setAttribute('transport', 'sse');
    element.setAttribute('topic', topic);
    document.body.append(element);
    try {
      await waitFor(() => element.shadowRoot?.textContent?.includes('42'), 'the metric to show its value', 10_000);
      equal(spy.sockets.filter((s) => s.url === url).length, before, 'no WebSocket was opened');
      ok(streams.some((s) => s.startsWith(url.replace('ws://', 'http://').replace('/ws?forced-sse', '/sse'))), 'an SSE stream was opened');
      equal((connectionFor(url) as Connection).transportInUse, 'sse');
    } finally {
      element.remove();
    }
  });

  it('an unknown transport is refused with a clear error', () => {
    throws(() => configure({ transport: 'carrier-pigeon' as never }), 'bad_attribute');
    throws(() => subscribe(uniqueTopic('x'), { gateway: gatewayUrl(), transport: 'http' as never, onMessages: () => undefined }), 'bad_attribute');
  });
});
