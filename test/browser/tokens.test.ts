import { executeServerCommand } from '@web/test-runner-commands';
import type { Message } from '../../protocol/index.js';
import '../../widgets/index.js';
import { configure, subscribe } from '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll } from './support/fixture.js';
import { gatewayUrl, publish } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();
let n = 0;

/** A gateway URL of its own per test, so each test gets its own shared connection (and token). */
function freshGateway(): string {
  return `${gatewayUrl('tenants')}?t=${Date.now()}${++n}`;
}

function token(topics: string[], ttlSec: number, forged = false): Promise<string> {
  return executeServerCommand<string, unknown>('rt-token', { topics, ttlSec, forged }) as Promise<string>;
}

function topic(prefix: string): string {
  return `web.${prefix}.${Date.now().toString(36)}${++n}`;
}

function shownValue(metric: Element): string | undefined {
  return part(metric, 'value')?.textContent?.trim();
}

describe('tokens', () => {
  afterEach(() => {
    unmountAll();
    configure({ token: null });
  });

  it('an element\'s token function is called before connecting and again before expiry, and the connection outlives the first token', async () => {
    const t = topic('metric');
    const gateway = freshGateway();
    const container = mount(`<rt-metric gateway="${gateway}" topic="${t}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')! as HTMLElement & { token?: unknown };
    let calls = 0;
    // Set before the first update: elements read their token when they subscribe.
    metric.token = async () => {
      calls++;
      return token(['web.**'], 3);
    };
    // The function is called before the token arrives: wait for the first frame the socket sends.
    await waitFor(() => calls === 1 && (spy.openSocket(gateway)?.sent.length ?? 0) > 0, 'the first token and a first frame on an open socket');
    const first = spy.openSocket(gateway)!;
    ok(first.sent[0]?.op === 'auth', `the auth frame goes first, got ${JSON.stringify(first.sent[0])}`);
    await waitFor(() => calls >= 2, 'the token function called again before expiry', 6000);
    await sleep(3000);
    equal(first.socket.readyState, WebSocket.OPEN, 'the socket stayed open past the first token\'s exp');
    equal(spy.sockets.filter((s) => s.url === gateway).length, 1, 'no reconnect was needed');
    await publish({ topic: t, value: 11 }, 'tenants');
    await waitFor(() => shownValue(metric) === '11', 'data after the re-auth');
  });

  it('configure({ token }) serves every subscribe() of the page', async () => {
    const t = topic('configured');
    let calls = 0;
    configure({ token: () => (calls++, token(['web.configured.*'], 60)) });
    const received: Message[] = [];
    const stop = subscribe(t, { gateway: freshGateway(), onMessages: (m) => received.push(...m) });
    try {
      await waitFor(() => calls === 1, 'the page-wide token function');
      await sleep(300);
      await publish({ topic: t, value: 5 }, 'tenants');
      await waitFor(() => received.length === 1, 'the message on the granted topic');
    } finally {
      stop();
    }
  });

  it('a refused token shows "unauthorized" and is not retried: the token function gets one more chance, then the element stops', async () => {
    const gateway = freshGateway();
    const forged = await token(['web.**'], 60, true);
    const container = mount(`<rt-metric gateway="${gateway}" topic="${topic('refused')}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')! as HTMLElement & { token?: unknown };
    let calls = 0;
    metric.token = () => (calls++, forged);
    await waitFor(() => part(metric, 'error')?.textContent?.includes('unauthorized') === true, 'the unauthorized state', 8000);
    const sockets = spy.sockets.filter((s) => s.url === gateway).length;
    await sleep(2000);
    equal(spy.sockets.filter((s) => s.url === gateway).length, sockets, 'no endless reconnecting');
    equal(sockets, 1, 'the same token is never sent twice');
    equal(calls, 2, 'asked once more for a new token after 4401');
  });

  it('a token attribute changed after the element subscribed is sent in a fresh auth frame on the same socket', async () => {
    const t = topic('attr');
    const gateway = freshGateway();
    const first = await token(['web.**'], 60);
    const container = mount(`<rt-metric gateway="${gateway}" topic="${t}" token="${first}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')!;
    await waitFor(() => spy.openSocket(gateway)?.received.some((f) => f.op === 'subscribed') === true, 'subscribed with the first token');
    const socket = spy.openSocket(gateway)!;
    const second = await token(['web.**'], 120);
    metric.setAttribute('token', second);
    await waitFor(() => socket.sent.filter((f) => f.op === 'auth').length === 2, 'a second auth frame after the attribute changed');
    const auths = socket.sent.filter((f) => f.op === 'auth');
    equal(auths[0].token, first, 'the first auth carried the first attribute value');
    equal(auths[1].token, second, 'the second auth carries the new attribute value');
    await waitFor(() => socket.received.filter((f) => f.op === 'authed').length === 2, 'the gateway accepted the new token');
    equal(spy.sockets.filter((s) => s.url === gateway).length, 1, 'no reconnect: the re-auth kept the socket');
    await publish({ topic: t, value: 21 }, 'tenants');
    await waitFor(() => shownValue(metric) === '21', 'data after the re-auth, on the subscription kept across it');
  });

  it('an element refused for a bad token attribute connects again once the attribute holds a good token', async () => {
    const t = topic('attrfix');
    const gateway = freshGateway();
    const forged = await token(['web.**'], 60, true);
    const container = mount(`<rt-metric gateway="${gateway}" topic="${t}" token="${forged}"></rt-metric>`);
    const metric = container.querySelector('rt-metric')!;
    await waitFor(() => part(metric, 'error')?.textContent?.includes('unauthorized') === true, 'the unauthorized state', 8000);
    metric.setAttribute('token', await token(['web.**'], 60));
    await waitFor(() => spy.openSocket(gateway)?.received.some((f) => f.op === 'subscribed') === true, 'subscribed with the new token', 8000);
    await publish({ topic: t, value: 8 }, 'tenants');
    await waitFor(() => shownValue(metric) === '8', 'data with the new token');
    equal(part(metric, 'error'), null, 'the unauthorized state is gone');
  });

  it('a forbidden topic shows its error in its own element only', async () => {
    const gateway = freshGateway();
    const ok1 = topic('granted');
    configure({ token: () => token([`web.granted.*`], 60) });
    const container = mount(`<rt-metric gateway="${gateway}" topic="${ok1}"></rt-metric><rt-metric gateway="${gateway}" topic="${topic('secret')}"></rt-metric>`);
    const [granted, secret] = [...container.querySelectorAll('rt-metric')];
    await waitFor(() => part(secret, 'error')?.textContent?.includes('forbidden') === true, 'forbidden in the second element');
    equal(part(granted, 'error'), null, 'the granted element shows no error');
    await publish({ topic: ok1, value: 3 }, 'tenants');
    await waitFor(() => shownValue(granted) === '3', 'data in the granted element');
  });
});
