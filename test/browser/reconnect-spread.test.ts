// How the connection manager chooses when and over what to reconnect,
// against a scripted gateway (FakeSocket): the spread window a 1001/1012
// close names replaces the exponential backoff, and `auto` falls back to SSE
// after WebSocket attempts that fail before the gateway's hello.
import { Connection, FALLBACK_AFTER_FAILURES, type ConnectionOptions } from '../../widgets/connection/connection.js';
import { FrameScheduler } from '../../widgets/connection/frame-scheduler.js';
import { equal, ok } from './support/assert.js';
import { FakeSocket } from './support/fake-socket.js';
import { sleep, waitFor } from './support/wait.js';

const connections: (() => void)[] = [];
/** Sockets opened by the fallback factory, apart from the WebSocket ones. */
let fallbacks: FakeSocket[] = [];

function connect(options: ConnectionOptions = {}): Connection {
  const connection = new Connection('ws://gateway.test/ws', {
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    createFallback: (url) => {
      const socket = new FakeSocket(url);
      fallbacks.push(socket);
      return socket as never;
    },
    scheduler: new FrameScheduler(() => undefined),
    // A backoff far longer than any test waits: a reconnect seen in time came from the spread window.
    backoff: { baseMs: 60_000, capMs: 60_000 },
    random: () => 0.5,
    idleCloseMs: 30,
    ...options,
  });
  connections.push(connection.subscribe('t', { onMessages: () => undefined }));
  return connection;
}

describe('reconnect spread and transport choice', () => {
  beforeEach(() => {
    FakeSocket.reset();
    fallbacks = [];
  });
  afterEach(() => {
    for (const stop of connections.splice(0)) stop();
  });

  it('a 1012 close naming a spread window reconnects within it, not after the backoff', async () => {
    connect();
    const first = FakeSocket.last();
    first.open();
    const closedAt = performance.now();
    first.drop(1012, 'spread=400; live feed interrupted');
    const second = await waitFor(() => (FakeSocket.instances.length === 2 ? FakeSocket.last() : null), 'a reconnect within the window', 2000);
    const waited = performance.now() - closedAt;
    ok(waited >= 150 && waited < 1000, `reconnected after ${Math.round(waited)} ms: half of the 400 ms window (random 0.5)`);
    // The gateway is still down: the next attempt is again within the window.
    second.drop(1006);
    await waitFor(() => FakeSocket.instances.length === 3, 'a retry still within the window', 2000);
  });

  it('a 1001 close without a window, or any other close, waits out the backoff', async () => {
    connect();
    const first = FakeSocket.last();
    first.open();
    first.drop(1001, 'gateway shutting down');
    await sleep(600);
    equal(FakeSocket.instances.length, 1, 'no reconnect before the backoff');
  });

  it(`auto falls back to SSE after ${FALLBACK_AFTER_FAILURES} WebSocket attempts that fail before hello, and stays there once it worked`, async () => {
    const c = connect({ backoff: { baseMs: 5, capMs: 10 } });
    for (let i = 0; i < FALLBACK_AFTER_FAILURES; i++) {
      await waitFor(() => FakeSocket.instances.length === i + 1, `WebSocket attempt ${i + 1}`);
      FakeSocket.last().drop(1006);
    }
    const sse = await waitFor(() => fallbacks[0], 'an SSE attempt');
    equal(c.transportInUse, 'sse');
    sse.open();
    equal(c.status, 'open');
    sse.drop(1006);
    await waitFor(() => fallbacks.length === 2, 'the next attempt on SSE again');
    equal(FakeSocket.instances.length, FALLBACK_AFTER_FAILURES + 2, 'no WebSocket attempt in between');
  });

  it('auto goes back to WebSocket when SSE fails too before ever working (the gateway is down, not blocked)', async () => {
    const c = connect({ backoff: { baseMs: 5, capMs: 10 } });
    for (let i = 0; i < FALLBACK_AFTER_FAILURES; i++) {
      await waitFor(() => FakeSocket.instances.length === i + 1, `WebSocket attempt ${i + 1}`);
      FakeSocket.last().drop(1006);
    }
    (await waitFor(() => fallbacks[0], 'an SSE attempt')).drop(1006);
    await waitFor(() => FakeSocket.instances.length === FALLBACK_AFTER_FAILURES + 2, 'another attempt');
    equal(c.transportInUse, 'websocket');
    equal(fallbacks.length, 1);
  });

  it('transport "websocket" never falls back', async () => {
    connect({ transport: 'websocket', backoff: { baseMs: 5, capMs: 10 } });
    for (let i = 0; i < FALLBACK_AFTER_FAILURES + 2; i++) {
      await waitFor(() => FakeSocket.instances.length === i + 1, `WebSocket attempt ${i + 1}`);
      FakeSocket.last().drop(1006);
    }
    equal(fallbacks.length, 0);
  });
});
