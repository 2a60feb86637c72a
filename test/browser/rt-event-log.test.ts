import '../../widgets/index.js';
import type { RtEventLog } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';
import { setupIgnoreWindowResizeObserverLoopErrors } from '@lit-labs/virtualizer/support/resize-observer-errors.js';

const spy = spyOnWebSocket();

function rows(log: Element): HTMLElement[] {
  return [...log.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"], [part~="gap"]')];
}

function rowTexts(log: Element): string[] {
  return rows(log).map((row) => row.querySelector('.text')?.textContent ?? `[${row.textContent!.trim()}]`);
}

function list(log: Element): HTMLElement {
  return part(log, 'list')!;
}

function atBottom(log: Element): boolean {
  const l = list(log);
  return l.scrollHeight - l.scrollTop - l.clientHeight <= 8;
}

describe('<rt-event-log>', () => {
  // The virtualizer measures rows with a ResizeObserver; Chromium reports the
  // benign "loop completed with undelivered notifications" as a window error.
  setupIgnoreWindowResizeObserverLoopErrors(beforeEach, afterEach);
  afterEach(unmountAll);

  it('renders rows with level, time and message, newest at the bottom', async () => {
    const topic = uniqueTopic('audit');
    const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}"></rt-event-log>`);
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    await publish([
      { topic, data: { level: 'info', msg: 'first' } },
      { topic, data: { level: 'WARNING', message: 'second' } },
      { topic, data: { level: 'error', msg: 'third' } },
      { topic, data: { user: 'ada', action: 'login' } },
    ]);
    await waitFor(() => rows(log).length === 4, 'four rows');
    const texts = rowTexts(log);
    deepEqual(texts.slice(0, 3), ['first', 'second', 'third']);
    // Without msg or message the row shows the data as JSON (key order is the gateway's).
    deepEqual(Object.entries(JSON.parse(texts[3])).sort(), [['action', 'login'], ['user', 'ada']]);
    deepEqual(rows(log).map((row) => row.dataset.level), ['info', 'warn', 'error', 'info']);
    const top = rows(log).map((row) => row.getBoundingClientRect().top);
    ok(top.every((y, i) => i === 0 || y > top[i - 1]), 'each row sits below the previous one');
    ok(rows(log)[0].querySelector('time')?.getAttribute('datetime'), 'rows carry their time');
  });

  it('stays scrolled to the bottom while the reader is there, and stays put when they scrolled up', async () => {
    const topic = uniqueTopic('stream');
    const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}" style="--rt-event-log-height: 120px"></rt-event-log>`);
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    await publish(Array.from({ length: 60 }, (_, i) => ({ topic, data: { msg: `event ${i}` } })));
    await waitFor(() => log.entryCount === 60, '60 entries');
    await waitFor(() => rowTexts(log).includes('event 59') && atBottom(log), 'the newest row in view at the bottom');

    // The reader turns the wheel up.
    list(log).dispatchEvent(new WheelEvent('wheel', { deltaY: -2000, bubbles: true }));
    list(log).scrollTop = 0;
    await sleep(100);
    await publish(Array.from({ length: 10 }, (_, i) => ({ topic, data: { msg: `more ${i}` } })));
    await waitFor(() => log.entryCount === 70, '70 entries');
    await sleep(100);
    ok(list(log).scrollTop < 50, `a reader who scrolled up is not dragged down (scrollTop ${list(log).scrollTop})`);

    list(log).dispatchEvent(new WheelEvent('wheel', { deltaY: 5000, bubbles: true }));
    list(log).scrollTop = list(log).scrollHeight;
    await waitFor(() => atBottom(log), 'back at the bottom');
    await publish({ topic, data: { msg: 'latest' } });
    await waitFor(() => rowTexts(log).includes('latest') && atBottom(log), 'following again once back at the bottom');
  });

  it('a reader who scrolls up while events stream in is not dragged back down', async () => {
    const topic = uniqueTopic('busy');
    const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}" style="--rt-event-log-height: 120px"></rt-event-log>`);
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    await publish(Array.from({ length: 40 }, (_, i) => ({ topic, data: { msg: `warm ${i}` } })));
    await waitFor(() => log.entryCount === 40 && atBottom(log), 'the log to fill and follow');
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        await publish({ topic, data: { msg: `live ${i}` } });
        await sleep(15);
      }
    })();
    try {
      await sleep(200);
      list(log).dispatchEvent(new WheelEvent('wheel', { deltaY: -300, bubbles: true }));
      list(log).scrollTop = list(log).scrollTop - 300;
      const held = list(log).scrollTop;
      const atScroll = log.entryCount;
      // However slow the machine, several events land while the reader is scrolled up.
      await waitFor(() => log.entryCount >= atScroll + 5, 'five more events while scrolled up', 10_000);
      ok(Math.abs(list(log).scrollTop - held) < 40, `the reader stayed where they scrolled (${held} → ${list(log).scrollTop})`);
    } finally {
      streaming = false;
      await stream;
    }
  });

  it('keeps at most max entries, dropping the oldest', async () => {
    const topic = uniqueTopic('capped');
    const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}" max="5"></rt-event-log>`);
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    await publish(Array.from({ length: 12 }, (_, i) => ({ topic, data: { msg: `e${i}` } })));
    await waitFor(() => rowTexts(log).at(-1) === 'e11', 'the newest entry');
    equal(log.entryCount, 5);
    deepEqual(rowTexts(log), ['e7', 'e8', 'e9', 'e10', 'e11']);
  });

  it('shows a gap marker row when history no longer reaches back after a reconnect', async () => {
    const topic = uniqueTopic('gappy');
    const container = mount(`<rt-event-log gateway="${gatewayUrl('short')}" topic="${topic}" style="--rt-event-log-height: 520px"></rt-event-log>`);
    // Tall enough that every row is rendered: the list renders only what is near the viewport.
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    await publish({ topic, data: { msg: 'before' } }, 'short');
    await waitFor(() => rowTexts(log).includes('before'), 'the first event');

    // Drop the socket and keep reconnects from landing while more events
    // arrive than the short history keeps.
    spy.hold = true;
    const short = gatewayUrl('short');
    spy.openSocket(short)!.socket.close();
    await waitFor(() => !spy.openSocket(short), 'the socket to close');
    await publish(Array.from({ length: window.RT_SHORT_HISTORY + 10 }, (_, i) => ({ topic, data: { msg: `missed ${i}` } })), 'short');
    await sleep(300);
    spy.hold = false;
    window.dispatchEvent(new Event('online'));

    await waitFor(() => rows(log).some((row) => row.getAttribute('part') === 'gap'), 'a gap marker row', 10_000);
    // The marker comes in its own frame, ahead of the replay that follows it.
    const newest = `missed ${window.RT_SHORT_HISTORY + 9}`;
    await waitFor(() => rowTexts(log).at(-1) === newest, 'the replay after the marker');
    const texts = rowTexts(log);
    const gapAt = texts.findIndex((t) => t.startsWith('['));
    equal(texts[gapAt - 1], 'before', 'the marker follows the last event seen');
    ok(texts.slice(gapAt + 1).every((t) => t.startsWith('missed')), 'events after the marker are the ones still in history');
    equal(texts.at(-1), newest, 'the newest event is there');
  });

  it('at 100 000 rows keeps fewer than 300 nodes, stays pinned to the tail while following, and holds still when the reader scrolled up', async function () {
    this.timeout(90_000);
    const topic = uniqueTopic('flood');
    const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}" max="100000" style="--rt-event-log-height: 300px"></rt-event-log>`);
    const log = container.querySelector<RtEventLog>('rt-event-log')!;
    await whenLive(log);
    const nodes = () => log.shadowRoot!.querySelectorAll('*').length;
    let most = 0;
    let sampling = true;
    const sample = () => {
      most = Math.max(most, nodes());
      if (sampling) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
    const batch = 10_000;
    for (let b = 0; b < 10; b++) {
      await publish(Array.from({ length: batch }, (_, i) => ({ topic, data: { msg: `e${b * batch + i}` } })));
      await waitFor(() => log.entryCount === (b + 1) * batch, `${(b + 1) * batch} entries`, 20_000);
      await waitFor(() => rowTexts(log).at(-1) === `e${(b + 1) * batch - 1}` && atBottom(log), `pinned to the newest row after ${(b + 1) * batch}`);
    }
    sampling = false;
    ok(most < 300, `at most ${most} nodes in the shadow root while filling to 100 000 rows`);
    ok(log.following, 'still following');

    // The reader scrolls up; more rows arrive (the oldest now drop off the front).
    list(log).dispatchEvent(new WheelEvent('wheel', { deltaY: -2000, bubbles: true }));
    list(log).scrollTop = list(log).scrollTop - 5000;
    await waitFor(() => !log.following, 'following to stop');
    await sleep(100);
    const firstShown = () => {
      const top = list(log).getBoundingClientRect().top;
      return rows(log).find((row) => row.getBoundingClientRect().bottom > top + 1)?.querySelector('.text')?.textContent;
    };
    const before = firstShown();
    await publish(Array.from({ length: 1000 }, (_, i) => ({ topic, data: { msg: `late ${i}` } })));
    await waitFor(() => log.entryCount === 100_000 && rows(log).length > 0, 'the entries to stay at max');
    await waitFor(() => log.shadowRoot!.textContent !== null, 'a render');
    await sleep(300);
    equal(firstShown(), before, 'the row at the top of the list stays the same');
    ok(nodes() < 300, `${nodes()} nodes`);
  });
});

