import type { GapFrame, Message } from '../../protocol/index.js';
import { FrameScheduler, ListenerQueue } from '../../widgets/connection/frame-scheduler.js';
import type { TopicListener } from '../../widgets/connection/listener.js';
import { deepEqual, equal, ok } from './support/assert.js';

/** A requestAnimationFrame the test advances by hand. */
function fakeFrames() {
  let callbacks: (() => void)[] = [];
  return {
    request: (cb: () => void) => callbacks.push(cb),
    get requested() {
      return callbacks.length;
    },
    frame() {
      const run = callbacks;
      callbacks = [];
      for (const cb of run) cb();
    },
  };
}

function message(n: number, topic = 't'): Message {
  return { topic, id: `${1000 + n}-0`, ts: 1000 + n, value: n };
}

function recorder(options: Partial<TopicListener> = {}) {
  const calls: (readonly Message[])[] = [];
  const events: string[] = [];
  const listener: TopicListener = {
    onMessages: (msgs) => {
      calls.push(msgs);
      events.push(`msgs:${msgs.map((m) => m.value).join(',')}`);
    },
    onGap: (gap) => events.push(`gap:${gap.since}`),
    ...options,
  };
  return { listener, calls, events };
}

describe('frame scheduler', () => {
  it('hands a listener everything queued since the last frame in one call per animation frame', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const a = recorder();
    const b = recorder();
    const qa = new ListenerQueue(a.listener);
    const qb = new ListenerQueue(b.listener);
    for (let i = 0; i < 50; i++) {
      scheduler.enqueue(qa, message(i));
      if (i % 2 === 0) scheduler.enqueue(qb, message(i));
    }
    equal(frames.requested, 1, 'one frame requested for the whole burst');
    equal(a.calls.length, 0, 'nothing is delivered before the frame');
    frames.frame();
    equal(a.calls.length, 1, 'listener a is called once');
    equal(a.calls[0].length, 50);
    equal(b.calls.length, 1, 'listener b is called once');
    equal(b.calls[0].length, 25);
    frames.frame();
    equal(a.calls.length, 1, 'an empty frame calls nobody');
  });

  it('bounds each queue at maxBuffered, dropping the oldest, so a paused tab does not grow memory', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const latestOnly = recorder({ maxBuffered: 1 });
    const q1 = new ListenerQueue(latestOnly.listener);
    const some = recorder({ maxBuffered: 10 });
    const q10 = new ListenerQueue(some.listener);
    // No frame runs while 100 000 messages arrive (a hidden tab pauses requestAnimationFrame).
    for (let i = 0; i < 100_000; i++) {
      scheduler.enqueue(q1, message(i));
      scheduler.enqueue(q10, message(i));
    }
    equal(q1.dropped, 99_999);
    frames.frame();
    deepEqual(latestOnly.calls[0].map((m) => m.value), [99_999]);
    deepEqual(some.calls[0].map((m) => m.value), [99_990, 99_991, 99_992, 99_993, 99_994, 99_995, 99_996, 99_997, 99_998, 99_999]);
  });

  it('a listener whose bounded queue dropped messages is told with a gap from the last message it got', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const r = recorder({ maxBuffered: 3 });
    const q = new ListenerQueue(r.listener);
    scheduler.enqueue(q, message(1));
    frames.frame();
    for (let i = 2; i <= 9; i++) scheduler.enqueue(q, message(i));
    frames.frame();
    scheduler.enqueue(q, message(10));
    frames.frame();
    deepEqual(r.events, ['msgs:1', 'gap:1001-0', 'msgs:7,8,9', 'msgs:10']);
  });

  it('keeps a gap notice in its place among the messages', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const r = recorder();
    const q = new ListenerQueue(r.listener);
    const gap: GapFrame = { op: 'gap', topic: 't', since: '1001-0', next: '1005-0' };
    scheduler.enqueue(q, message(1));
    scheduler.enqueue(q, gap);
    scheduler.enqueue(q, message(5));
    scheduler.enqueue(q, message(6));
    frames.frame();
    deepEqual(r.events, ['msgs:1', 'gap:1001-0', 'msgs:5,6']);
  });

  it('delivers nothing to a listener that unsubscribed before the frame', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const r = recorder();
    const q = new ListenerQueue(r.listener);
    scheduler.enqueue(q, message(1));
    q.closed = true;
    frames.frame();
    equal(r.calls.length, 0);
  });

  it('a listener that throws does not keep others from their data', () => {
    const frames = fakeFrames();
    const scheduler = new FrameScheduler(frames.request);
    const reported: unknown[] = [];
    const original = globalThis.reportError;
    globalThis.reportError = (error: unknown) => reported.push(error);
    try {
      const bad = new ListenerQueue({
        onMessages: () => {
          throw new Error('boom');
        },
      });
      const good = recorder();
      scheduler.enqueue(bad, message(1));
      scheduler.enqueue(new ListenerQueue(good.listener), message(1));
      frames.frame();
      equal(good.calls.length, 1, 'the good listener got its message');
      equal(reported.length, 1, 'the exception was reported');
      ok((reported[0] as Error).message === 'boom', 'the reported error is the thrown one');
    } finally {
      globalThis.reportError = original;
    }
  });
});
