// The connection manager against a scripted gateway (FakeSocket): exact
// control over frames and timing. The same promises are checked against the
// real gateway in connection-live.test.ts.
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, type ErrorFrame, type GapFrame, type Message } from '../../protocol/index.js';
import { Connection, type ConnectionOptions } from '../../widgets/connection/connection.js';
import { subscribe as subscribeOnPage } from '../../widgets/connection/connection-manager.js';
import { FrameScheduler } from '../../widgets/connection/frame-scheduler.js';
import type { ConnectionStatus, TopicListener } from '../../widgets/connection/listener.js';
import { deepEqual, equal, ok, throws } from './support/assert.js';
import { FakeSocket } from './support/fake-socket.js';
import { sleep, waitFor } from './support/wait.js';

/** Runs frame callbacks on demand instead of on paint. */
let frameCallbacks: (() => void)[] = [];
function runFrame(): void {
  const run = frameCallbacks;
  frameCallbacks = [];
  for (const cb of run) cb();
}

/** Subscriptions still held at the end of a test; released so the connection goes quiet. */
let held: (() => void)[] = [];

function connect(options: ConnectionOptions = {}): Connection {
  const connection = new Connection('ws://gateway.test/ws', {
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    scheduler: new FrameScheduler((cb) => frameCallbacks.push(cb)),
    backoff: { baseMs: 5, capMs: 20 },
    idleCloseMs: 30,
    ...options,
  });
  const subscribe = connection.subscribe.bind(connection);
  connection.subscribe = (topic, l) => {
    const off = subscribe(topic, l);
    held.push(off);
    return off;
  };
  return connection;
}

function listener(extra: Partial<TopicListener> = {}) {
  const messages: Message[] = [];
  const gaps: GapFrame[] = [];
  const errors: ErrorFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  const l: TopicListener = {
    onMessages: (msgs) => messages.push(...msgs),
    onGap: (gap) => gaps.push(gap),
    onError: (error) => errors.push(error),
    onStatus: (status) => statuses.push(status),
    ...extra,
  };
  return { l, messages, gaps, errors, statuses };
}

function msg(topic: string, id: string, value = 1): Message {
  return { topic, id, ts: Number(id.split('-')[0]), value };
}

/** Lets the per-task batching timer run. */
const nextTask = () => sleep(5);

/** Fails unless `fn` throws a TypeError whose message contains every one of `parts`. */
function throwsTypeError(fn: () => unknown, parts: string[], what: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  ok(thrown !== undefined, `${what}: nothing was thrown`);
  ok(thrown instanceof TypeError, `${what}: expected a TypeError, got ${String(thrown)}`);
  for (const part of parts) ok(thrown.message.includes(part), `${what}: message ${JSON.stringify(thrown.message)} should mention ${part}`);
}

/**
 * The gateway acknowledges a sub, delivers a message, then reports the topic
 * unavailable (as it does when the bus fails while the subscription is being
 * set up); `ref` is what the error frame carries, if anything.
 */
async function unavailableAfterAck(ref: (subRef: number) => number | undefined): Promise<void> {
  // Retry delay for unavailable topics: backoffDelay(3) = floor(0.25 · min(400, 50·2³)) = 100 ms.
  const c = connect({ backoff: { baseMs: 50, capMs: 400 }, random: () => 0.25 });
  const a = listener();
  c.subscribe('orders', a.l);
  const socket = FakeSocket.last();
  socket.open();
  const subs = socket.frames('sub');
  deepEqual(subs.map((f) => f.topics), [[{ topic: 'orders' }]]);
  socket.ackSubs();
  socket.receive({ op: 'msgs', msgs: [msg('orders', '1-0')] });
  runFrame();
  deepEqual(a.messages.map((m) => m.id), ['1-0']);

  const error: ErrorFrame = { op: 'error', code: 'unavailable', message: 'could not subscribe to "orders": the bus is unavailable', topic: 'orders' };
  const errorRef = ref(subs[0].ref as number);
  if (errorRef !== undefined) error.ref = errorRef;
  socket.receive(error);
  equal(a.errors.length, 1, 'the listener was told');
  equal(a.errors[0].code, 'unavailable');
  equal(a.errors[0].topic, 'orders');

  await nextTask();
  equal(socket.frames('sub').length, 1, 'not subscribed again at once');
  const again = await waitFor(() => socket.frames('sub')[1], 'a second sub for the topic', 2000);
  // Resumed after the message it already has, so nothing is lost or repeated.
  deepEqual(again.topics, [{ topic: 'orders', since: '1-0' }]);
  equal(socket.frames('unsub').length, 0, 'no unsub for a subscription the gateway ended');

  // The new subscription is live: messages flow again, without duplicates.
  socket.ackSubs();
  socket.receive({ op: 'msgs', msgs: [msg('orders', '1-0'), msg('orders', '2-0')] });
  runFrame();
  deepEqual(a.messages.map((m) => m.id), ['1-0', '2-0']);
  equal(a.errors.length, 1);
}

describe('connection (scripted gateway)', () => {
  beforeEach(() => {
    FakeSocket.reset();
    frameCallbacks = [];
  });

  afterEach(async () => {
    for (const off of held) off();
    held = [];
    // Let idle connections close so none of them opens sockets during the next test.
    await sleep(60);
  });

  it('many listeners of one topic put one sub on the wire; the last to leave sends the unsub', async () => {
    const c = connect();
    const offs = [listener(), listener(), listener()].map((x) => c.subscribe('cpu.load', x.l));
    const socket = FakeSocket.last();
    socket.open();
    await nextTask();
    deepEqual(socket.frames('sub').map((f) => f.topics), [[{ topic: 'cpu.load' }]]);
    offs[0]();
    offs[1]();
    await nextTask();
    equal(socket.frames('unsub').length, 0, 'no unsub while a listener remains');
    offs[2]();
    offs[2]();
    await nextTask();
    deepEqual(socket.frames('unsub').map((f) => f.topics), [['cpu.load']]);
    equal(c.topicCount, 0);
  });

  it('subscriptions made in the same task go out in one frame, at most 100 topics per frame', async () => {
    const c = connect();
    c.subscribe('warmup', listener().l);
    const socket = FakeSocket.last();
    socket.open();
    await nextTask();
    socket.sent = [];
    for (let i = 0; i < 250; i++) c.subscribe(`t.${i}`, listener().l);
    await nextTask();
    const subs = socket.frames('sub');
    deepEqual(subs.map((f) => (f.topics as unknown[]).length), [100, 100, 50]);
  });

  it('subscribe and unsubscribe in the same task put nothing on the wire', async () => {
    const c = connect();
    c.subscribe('keep', listener().l);
    const socket = FakeSocket.last();
    socket.open();
    await nextTask();
    socket.sent = [];
    const off = c.subscribe('brief', listener().l);
    off();
    await nextTask();
    deepEqual(socket.sent, []);
  });

  it('asks for the largest snapshot any listener of the topic wants', async () => {
    const c = connect();
    c.subscribe('m', listener({ snapshot: 1 }).l);
    c.subscribe('m', listener({ snapshot: 300 }).l);
    c.subscribe('n', listener().l);
    const socket = FakeSocket.last();
    socket.open();
    deepEqual(socket.frames('sub')[0].topics, [{ topic: 'm', snapshot: 300 }, { topic: 'n' }]);
  });

  it('asks for the largest time window any listener of the topic wants, with the largest count, and for none when no listener wants one', async () => {
    const c = connect();
    c.subscribe('chart', listener({ snapshotMs: 60_000 }).l);
    c.subscribe('chart', listener({ snapshotMs: 300_000, snapshot: 20 }).l);
    c.subscribe('counted', listener({ snapshotMs: 1_000, snapshot: 10 }).l);
    c.subscribe('counted', listener({ snapshotMs: 5_000, snapshot: 3 }).l);
    c.subscribe('plain', listener({ snapshot: 5 }).l);
    c.subscribe('bare', listener().l);
    const socket = FakeSocket.last();
    socket.open();
    deepEqual(socket.frames('sub')[0].topics, [
      // A windowed listener that names no count wants up to MAX_SNAPSHOT of its window.
      { topic: 'chart', snapshot: MAX_SNAPSHOT, snapshotMs: 300_000 },
      { topic: 'counted', snapshot: 10, snapshotMs: 5_000 },
      { topic: 'plain', snapshot: 5 },
      { topic: 'bare' },
    ]);
  });

  it('a topic where one listener asks by count alone goes on the wire without a window, with a count that covers every listener', async () => {
    const c = connect();
    c.subscribe('mixed', listener({ snapshot: 1 }).l);
    c.subscribe('mixed', listener({ snapshotMs: 300_000 }).l);
    // A listener that wants no snapshot at all does not stand in the window's way.
    c.subscribe('quiet', listener({ snapshot: 0 }).l);
    c.subscribe('quiet', listener({ snapshotMs: 1_000, snapshot: 7 }).l);
    const socket = FakeSocket.last();
    socket.open();
    deepEqual(socket.frames('sub')[0].topics, [
      { topic: 'mixed', snapshot: MAX_SNAPSHOT },
      { topic: 'quiet', snapshot: 7, snapshotMs: 1_000 },
    ]);
  });

  it('after a drop a windowed topic resumes with since (and its window, for a snapshot after a reset), and one never seen asks for its window again', async () => {
    const c = connect();
    const seen = listener({ snapshotMs: 300_000, snapshot: MAX_SNAPSHOT });
    c.subscribe('seen', seen.l);
    c.subscribe('unseen', listener({ snapshotMs: 60_000 }).l);
    const first = FakeSocket.last();
    first.open();
    deepEqual(first.frames('sub')[0].topics, [
      { topic: 'seen', snapshot: MAX_SNAPSHOT, snapshotMs: 300_000 },
      { topic: 'unseen', snapshot: MAX_SNAPSHOT, snapshotMs: 60_000 },
    ]);
    first.ackSubs();
    first.receive({ op: 'msgs', msgs: [msg('seen', '10-0'), msg('seen', '11-0')] });
    runFrame();
    first.drop();
    const second = await waitFor(() => (FakeSocket.instances.length === 2 ? FakeSocket.last() : null), 'a second socket');
    second.open();
    deepEqual(second.frames('sub')[0].topics, [
      { topic: 'seen', since: '11-0', snapshot: MAX_SNAPSHOT, snapshotMs: 300_000 },
      { topic: 'unseen', snapshot: MAX_SNAPSHOT, snapshotMs: 60_000 },
    ]);
    second.ackSubs();
    second.receive({ op: 'msgs', msgs: [msg('seen', '11-0'), msg('seen', '12-0')] });
    runFrame();
    deepEqual(seen.messages.map((m) => m.id), ['10-0', '11-0', '12-0']);
  });

  it('a windowed newcomer to a topic already on the wire gets the cached messages of its window (by ts, not by id time), at most its snapshot', async () => {
    const c = connect();
    // Asks for one message only: the cache grows because a windowed listener joins.
    c.subscribe('t', listener({ snapshot: 1 }).l);
    const socket = FakeSocket.last();
    socket.open();
    socket.ackSubs();
    c.subscribe('t', listener({ snapshotMs: 600_000 }).l);
    const now = Date.now();
    // 200 messages, one a second up to now: more than a count-only cache (DEFAULT_EVENT_SNAPSHOT) keeps.
    const ids = Array.from({ length: 200 }, (_, i) => `${now - (199 - i) * 1000}-0`);
    // Then a backfilled one: stored last, its event time an hour ago. No window of the last minutes holds it.
    const backfilled: Message = { topic: 't', id: `${now + 1}-0`, ts: now - 3_600_000, value: 2 };
    socket.receive({ op: 'msgs', msgs: [...ids.map((id) => msg('t', id)), backfilled] });
    runFrame();

    const wide = listener({ snapshotMs: 300_000 });
    const narrow = listener({ snapshotMs: 30_500 });
    const capped = listener({ snapshotMs: 30_500, snapshot: 5 });
    c.subscribe('t', wide.l);
    c.subscribe('t', narrow.l);
    c.subscribe('t', capped.l);
    runFrame();
    deepEqual(wide.messages.map((m) => m.id), ids, 'all 200 are within 5 minutes');
    deepEqual(narrow.messages.map((m) => m.id), ids.slice(-31), 'the last 30.5 s hold 31 messages');
    deepEqual(capped.messages.map((m) => m.id), ids.slice(-5), 'the newest 5 of them');
    await nextTask();
    equal(socket.frames('sub').length, 1, 'no second sub for the newcomers');
  });

  it('ignores messages for a topic until the gateway acknowledges its sub, then drops duplicates', async () => {
    const c = connect();
    const a = listener();
    c.subscribe('t', a.l);
    const socket = FakeSocket.last();
    socket.open();
    socket.receive({ op: 'msgs', msgs: [msg('t', '5-0')] });
    socket.ackSubs();
    socket.receive({ op: 'msgs', msgs: [msg('t', '1-0'), msg('t', '2-0')] });
    socket.receive({ op: 'msgs', msgs: [msg('t', '2-0'), msg('t', '1-5'), msg('t', '3-0'), msg('t', '3-0')] });
    runFrame();
    deepEqual(a.messages.map((m) => m.id), ['1-0', '2-0', '3-0']);
  });

  it('after a drop it reconnects and resumes each topic since its last id, or with its snapshot if none was seen', async () => {
    const c = connect();
    const seen = listener();
    const unseen = listener({ snapshot: 20 });
    c.subscribe('seen', seen.l);
    c.subscribe('unseen', unseen.l);
    const first = FakeSocket.last();
    first.open();
    first.ackSubs();
    first.receive({ op: 'msgs', msgs: [msg('seen', '10-0'), msg('seen', '11-0')] });
    runFrame();
    first.drop();
    equal(c.status, 'reconnecting');
    const second = await waitFor(() => (FakeSocket.instances.length === 2 ? FakeSocket.last() : null), 'a second socket');
    second.open();
    deepEqual(second.frames('sub')[0].topics, [{ topic: 'seen', since: '11-0' }, { topic: 'unseen', snapshot: 20 }]);
    second.ackSubs();
    // The replay overlaps what was already delivered: only newer ids get through.
    second.receive({ op: 'msgs', msgs: [msg('seen', '11-0'), msg('seen', '12-0')] });
    runFrame();
    deepEqual(seen.messages.map((m) => m.id), ['10-0', '11-0', '12-0']);
    deepEqual(seen.statuses, ['connecting', 'open', 'reconnecting', 'open']);
  });

  it("keeps each topic's epoch from subscribed and resumes with it alongside since", async () => {
    const c = connect();
    c.subscribe('e', listener().l);
    const first = FakeSocket.last();
    first.open();
    first.ackSubs('epochA01');
    first.receive({ op: 'msgs', msgs: [msg('e', '10-0')] });
    runFrame();
    first.drop();
    const second = await waitFor(() => (FakeSocket.instances.length === 2 ? FakeSocket.last() : null), 'a second socket');
    second.open();
    deepEqual(second.frames('sub')[0].topics, [{ topic: 'e', since: '10-0', epoch: 'epochA01' }]);
  });

  it('on reset it forgets the ids it held, tells onReset, then delivers the fresh snapshot even with lower ids', async () => {
    const c = connect();
    const events: string[] = [];
    c.subscribe('r', {
      onMessages: (msgs) => events.push(...msgs.map((m) => m.id)),
      onReset: (reset) => events.push(`reset ${reset.epoch} since ${reset.since}`),
    });
    const first = FakeSocket.last();
    first.open();
    first.ackSubs('old00000');
    first.receive({ op: 'msgs', msgs: [msg('r', '50-0')] });
    runFrame();
    first.drop();
    const second = await waitFor(() => (FakeSocket.instances.length === 2 ? FakeSocket.last() : null), 'a second socket');
    second.open();
    deepEqual(second.frames('sub')[0].topics, [{ topic: 'r', since: '50-0', epoch: 'old00000' }]);
    second.ackSubs('new00000');
    second.receive({ op: 'reset', topic: 'r', epoch: 'new00000', since: '50-0' });
    second.receive({ op: 'msgs', msgs: [msg('r', '7-0'), msg('r', '8-0')] });
    runFrame();
    deepEqual(events, ['50-0', 'reset new00000 since 50-0', '7-0', '8-0']);
    // The next resume carries the new epoch and the new ids.
    second.drop();
    const third = await waitFor(() => (FakeSocket.instances.length === 3 ? FakeSocket.last() : null), 'a third socket');
    third.open();
    deepEqual(third.frames('sub')[0].topics, [{ topic: 'r', since: '8-0', epoch: 'new00000' }]);
  });

  it('a listener without onReset hears of a reset as a gap from the last id it had', async () => {
    const c = connect();
    const a = listener();
    c.subscribe('g', a.l);
    const socket = FakeSocket.last();
    socket.open();
    socket.ackSubs('epoch001');
    socket.receive({ op: 'msgs', msgs: [msg('g', '50-0')] });
    socket.receive({ op: 'reset', topic: 'g', epoch: 'epoch002', since: '50-0' });
    socket.receive({ op: 'msgs', msgs: [msg('g', '3-0')] });
    runFrame();
    deepEqual(a.gaps, [{ op: 'gap', topic: 'g', since: '50-0' }]);
    deepEqual(a.messages.map((m) => m.id), ['50-0', '3-0']);
  });

  it('passes gap notices to the listeners of the topic, in order with the messages', async () => {
    const c = connect();
    const events: string[] = [];
    c.subscribe('log', {
      onMessages: (msgs) => events.push(...msgs.map((m) => m.id)),
      onGap: (gap) => events.push(`gap ${gap.since}..${gap.next}`),
    });
    const socket = FakeSocket.last();
    socket.open();
    socket.ackSubs();
    socket.receive({ op: 'msgs', msgs: [msg('log', '1-0')] });
    socket.receive({ op: 'gap', topic: 'log', since: '1-0', next: '9-0' });
    socket.receive({ op: 'msgs', msgs: [msg('log', '9-0')] });
    runFrame();
    deepEqual(events, ['1-0', 'gap 1-0..9-0', '9-0']);
  });

  it('routes an error frame to the listeners of its topic, and warns on the console otherwise', async () => {
    const c = connect();
    const a = listener();
    c.subscribe('secret', a.l);
    const socket = FakeSocket.last();
    socket.open();
    socket.receive({ op: 'error', code: 'bad_field', message: 'not for you', topic: 'secret' });
    equal(a.errors.length, 1);
    equal(a.errors[0].message, 'not for you');
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      socket.receive({ op: 'error', code: 'bad_json', message: 'frame is not valid JSON' });
    } finally {
      console.warn = warn;
    }
    equal(warnings.length, 1);
    ok(String(warnings[0][0]).includes('bad_json'), 'the warning names the code');
  });

  it('an error for a whole sub frame (by ref) reaches every topic in it', async () => {
    const c = connect();
    const a = listener();
    const b = listener();
    c.subscribe('a', a.l);
    c.subscribe('b', b.l);
    const socket = FakeSocket.last();
    socket.open();
    const ref = socket.frames('sub')[0].ref as number;
    socket.receive({ op: 'error', code: 'too_many_subscriptions', message: 'limit', ref });
    equal(a.errors.length, 1);
    equal(b.errors.length, 1);
  });

  it('refuses an invalid topic before anything reaches the wire', () => {
    const c = connect();
    throws(() => c.subscribe('bad topic!', listener().l), 'bad_topic');
    throws(() => c.subscribe('', listener().l), 'bad_topic');
    equal(FakeSocket.instances.length, 0, 'no socket was opened for it');
  });

  it('a newcomer to a topic already on the wire gets the recent messages from the cache', async () => {
    const c = connect();
    c.subscribe('t', listener({ snapshot: 5 }).l);
    const socket = FakeSocket.last();
    socket.open();
    socket.ackSubs();
    socket.receive({ op: 'msgs', msgs: [1, 2, 3, 4, 5, 6].map((n) => msg('t', `${n}-0`)) });
    runFrame();
    const late = listener({ snapshot: 2 });
    c.subscribe('t', late.l);
    runFrame();
    deepEqual(late.messages.map((m) => m.id), ['5-0', '6-0']);
    await nextTask();
    equal(socket.frames('sub').length, 1, 'no second sub for the newcomer');
  });

  it('pings a quiet line and treats a socket that stays silent as dead', async () => {
    const c = connect({ heartbeatMs: 40, connectTimeoutMs: 200 });
    c.subscribe('t', listener().l);
    const socket = FakeSocket.last();
    socket.open(40);
    await waitFor(() => socket.frames('ping').length > 0, 'a ping', 1000);
    // No pong: within about two intervals the socket is given up and a new one opened.
    await waitFor(() => FakeSocket.instances.length === 2, 'a reconnect after the missing pong', 1000);
    equal(socket.closedWith, 1000);
  });

  it('a pong keeps the socket alive', async () => {
    const c = connect({ heartbeatMs: 40 });
    c.subscribe('t', listener().l);
    const socket = FakeSocket.last();
    socket.open(40);
    const answered = new Set<unknown>();
    // Three answered pings span more than two heartbeats, however late the machine's timers fire.
    const deadline = performance.now() + 10_000;
    while (answered.size < 3 && performance.now() < deadline) {
      for (const ping of socket.frames('ping')) {
        if (!answered.has(ping)) {
          answered.add(ping);
          socket.receive({ op: 'pong' });
        }
      }
      await sleep(5);
    }
    ok(answered.size >= 3, `pinged ${answered.size} times`);
    equal(FakeSocket.instances.length, 1, 'no reconnect');
  });

  it('a topic the gateway reports unavailable after acknowledging it is subscribed again later', async () => {
    await unavailableAfterAck(() => undefined);
  });

  it('a topic the gateway reports unavailable after acknowledging it is subscribed again later, also when the error carries the acknowledged sub\'s ref', async () => {
    await unavailableAfterAck((subRef) => subRef);
  });

  it('a topic the gateway reports unavailable after acknowledging it is subscribed again later, also when the error carries an unknown ref', async () => {
    await unavailableAfterAck(() => 4242);
  });

  it('a topic reported unavailable whose listeners left before the retry is neither subscribed again nor unsubscribed', async () => {
    const c = connect({ backoff: { baseMs: 50, capMs: 400 }, random: () => 0.25 });
    const a = listener();
    c.subscribe('keep', listener().l);
    const off = c.subscribe('orders', a.l);
    const socket = FakeSocket.last();
    socket.open();
    socket.ackSubs();
    socket.receive({ op: 'error', code: 'unavailable', message: 'bus unavailable', topic: 'orders' });
    equal(a.errors.length, 1, 'the listener was told');
    off();
    // Well past the 100 ms retry delay.
    await sleep(250);
    equal(socket.frames('sub').length, 1, 'no second sub');
    deepEqual(socket.frames('unsub'), [], 'no unsub for a subscription the gateway ended');
  });

  it('subscribe refuses a snapshot or maxBuffered it cannot honour', async () => {
    const gateway = 'ws://manager.test/ws';
    const Original = window.WebSocket;
    window.WebSocket = FakeSocket as unknown as typeof WebSocket;
    const offs: (() => void)[] = [];
    try {
      const onMessages = () => {};
      const refused: [string, Record<string, number>, string[]][] = [
        ['snapshot 2.5', { snapshot: 2.5 }, ['options.snapshot', '2.5']],
        ['snapshot -1', { snapshot: -1 }, ['options.snapshot', '-1']],
        ['snapshot 100000', { snapshot: 100000 }, ['options.snapshot', '100000']],
        ['maxBuffered 0', { maxBuffered: 0 }, ['options.maxBuffered', '0']],
        ['maxBuffered NaN', { maxBuffered: NaN }, ['options.maxBuffered', 'NaN']],
      ];
      for (const [what, bad, parts] of refused) {
        throwsTypeError(() => subscribeOnPage('mgr.t', { onMessages, gateway, ...bad }), parts, what);
      }
      equal(FakeSocket.instances.length, 0, 'no socket was opened for them');
      // The page-wide registry of connection-manager.ts: nothing was even set up for this gateway.
      const registry = (globalThis as unknown as Record<symbol, Map<string, unknown> | undefined>)[Symbol.for('rt.connections')];
      equal(registry?.has(gateway) ?? false, false, 'no connection was created for them');

      // The bounds themselves are accepted, and a valid subscribe still works.
      const a = { messages: [] as Message[] };
      offs.push(subscribeOnPage('mgr.a', { onMessages: (msgs) => a.messages.push(...msgs), gateway, snapshot: MAX_SNAPSHOT, maxBuffered: 1 }));
      offs.push(subscribeOnPage('mgr.b', { onMessages, gateway, snapshot: 0 }));
      equal(FakeSocket.instances.length, 1, 'one socket for the valid subscriptions');
      const socket = FakeSocket.last();
      equal(socket.url, gateway);
      socket.open();
      deepEqual(socket.frames('sub').map((f) => f.topics), [[{ topic: 'mgr.a', snapshot: MAX_SNAPSHOT }, { topic: 'mgr.b', snapshot: 0 }]]);
      socket.ackSubs();
      socket.receive({ op: 'msgs', msgs: [msg('mgr.a', '1-0')] });
      await waitFor(() => a.messages.length > 0, 'a message for the valid subscription', 2000);
      deepEqual(a.messages.map((m) => m.id), ['1-0']);
    } finally {
      for (const off of offs) off();
      window.WebSocket = Original;
    }
  });

  it('subscribe refuses a snapshotMs that is not an integer from 1 to MAX_SNAPSHOT_MS', async () => {
    const gateway = 'ws://manager-window.test/ws';
    const Original = window.WebSocket;
    window.WebSocket = FakeSocket as unknown as typeof WebSocket;
    const offs: (() => void)[] = [];
    try {
      const onMessages = () => {};
      for (const bad of [0, -1, 2.5, MAX_SNAPSHOT_MS + 1, NaN]) {
        throwsTypeError(() => subscribeOnPage('mgr.w', { onMessages, gateway, snapshotMs: bad }), ['options.snapshotMs', String(bad)], `snapshotMs ${bad}`);
      }
      equal(FakeSocket.instances.length, 0, 'no socket was opened for them');
      const registry = (globalThis as unknown as Record<symbol, Map<string, unknown> | undefined>)[Symbol.for('rt.connections')];
      equal(registry?.has(gateway) ?? false, false, 'no connection was created for them');

      // The bounds themselves are accepted and go on the wire.
      offs.push(subscribeOnPage('mgr.day', { onMessages, gateway, snapshotMs: MAX_SNAPSHOT_MS }));
      offs.push(subscribeOnPage('mgr.ms', { onMessages, gateway, snapshotMs: 1, snapshot: 0 }));
      const socket = FakeSocket.last();
      socket.open();
      deepEqual(socket.frames('sub').map((f) => f.topics), [
        [
          { topic: 'mgr.day', snapshot: MAX_SNAPSHOT, snapshotMs: MAX_SNAPSHOT_MS },
          { topic: 'mgr.ms', snapshot: 0, snapshotMs: 1 },
        ],
      ]);
    } finally {
      for (const off of offs) off();
      window.WebSocket = Original;
    }
  });

  it('closes the socket once no subscription is left, and reports closed', async () => {
    const c = connect();
    const a = listener();
    const off = c.subscribe('t', a.l);
    const socket = FakeSocket.last();
    socket.open();
    off();
    await waitFor(() => c.status === 'closed', 'status closed', 1000);
    equal(socket.closedWith, 1000);
  });
});
