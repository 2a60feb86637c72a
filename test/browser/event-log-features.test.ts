import { setupIgnoreWindowResizeObserverLoopErrors } from '@lit-labs/virtualizer/support/resize-observer-errors.js';
import { sendKeys } from '@web/test-runner-commands';
import '../../widgets/index.js';
import type { RtEventLog } from '../../widgets/index.js';
import { deepEqual, equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { sleep, waitFor } from './support/wait.js';

function rows(log: Element): HTMLElement[] {
  return [...log.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"]')];
}

const texts = (log: Element) => rows(log).map((row) => row.querySelector('.text')?.textContent ?? '');

async function liveLog(attributes = ''): Promise<{ log: RtEventLog; topic: string }> {
  const topic = uniqueTopic('log');
  const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${topic}" ${attributes}></rt-event-log>`);
  const log = container.querySelector<RtEventLog>('rt-event-log')!;
  await whenLive(log);
  return { log, topic };
}

describe('<rt-event-log> features', () => {
  setupIgnoreWindowResizeObserverLoopErrors(beforeEach, afterEach);
  afterEach(unmountAll);

  it('shows the columns asked for, with their headers, values as inert text cut at a sane length', async () => {
    const { log, topic } = await liveLog('columns="time, level, service:Service, text:Message"');
    deepEqual(
      [...part(log, 'columns')!.children].map((c) => c.textContent),
      ['Time', 'Level', 'Service', 'Message'],
    );
    const evil = '<img src=x onerror="window.__pwned=1">';
    await publish({ topic, data: { level: 'warn', msg: evil, service: 'x'.repeat(500) } });
    await waitFor(() => rows(log).length === 1, 'the row');
    const row = rows(log)[0];
    equal(row.querySelector('.text')!.textContent, evil, 'markup shown as text');
    equal(row.querySelector('img'), null, 'no element made from event text');
    const cell = row.querySelector('.cell')!.textContent!;
    equal(cell.length, 201, 'long values cut at 200 characters and an ellipsis');
    equal(row.dataset.level, 'warn');
    ok(getComputedStyle(row.querySelector('.level')!).color !== getComputedStyle(row.querySelector('.time')!).color, 'the level is coloured');
    equal(row.querySelector('time')!.textContent, new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(Number(new Date(row.querySelector('time')!.getAttribute('datetime')!)))), 'the time in the reader\'s locale');
  });

  it('filters by text and level, from the attributes and from the controls', async () => {
    const { log, topic } = await liveLog('filter="disk"');
    await publish([
      { topic, data: { level: 'info', msg: 'disk ok' } },
      { topic, data: { level: 'error', msg: 'disk full' } },
      { topic, data: { level: 'error', msg: 'cpu hot' } },
    ]);
    await waitFor(() => log.entryCount === 3, 'three events held');
    await waitFor(() => rows(log).length === 2, 'two rows match "disk"');
    deepEqual(texts(log), ['disk ok', 'disk full']);
    log.minLevel = 'error';
    await waitFor(() => rows(log).length === 1, 'only errors about disk');
    // The input edits the attribute.
    const input = part(log, 'filter') as HTMLInputElement;
    input.value = 'cpu';
    input.dispatchEvent(new Event('input'));
    await log.updateComplete;
    equal(log.getAttribute('filter'), 'cpu');
    await waitFor(() => texts(log).join() === 'cpu hot', 'the cpu error');
    const select = part(log, 'level-select') as HTMLSelectElement;
    select.value = '';
    select.dispatchEvent(new Event('change'));
    await log.updateComplete;
    equal(log.minLevel, '');
    input.value = 'nothing like it';
    input.dispatchEvent(new Event('input'));
    await waitFor(() => log.shadowRoot!.querySelector('.empty')?.textContent === 'no events match the filter', 'says nothing matches');
  });

  it('pauses from the button or the paused attribute, counts new events, and resumes', async () => {
    const { log, topic } = await liveLog();
    await publish({ topic, data: { msg: 'before' } });
    await waitFor(() => rows(log).length === 1, 'the first row');
    const pause = part(log, 'pause') as HTMLButtonElement;
    equal(pause.getAttribute('aria-pressed'), 'false');
    pause.click();
    await log.updateComplete;
    ok(log.paused && log.hasAttribute('paused'), 'the button sets paused');
    equal(pause.getAttribute('aria-pressed'), 'true');
    await publish([1, 2, 3].map((i) => ({ topic, data: { msg: `during ${i}` } })));
    await waitFor(() => part(log, 'new-events')?.textContent === '3 new events', '"3 new events" while paused');
    deepEqual(texts(log), ['before'], 'the list does not move while paused');
    part(log, 'new-events')!.click();
    await waitFor(() => rows(log).length === 4, 'all rows after resuming');
    ok(!log.paused && part(log, 'new-events') === null, 'resumed, no count');
    log.setAttribute('paused', '');
    await publish({ topic, data: { msg: 'later' } });
    await waitFor(() => part(log, 'new-events')?.textContent === '1 new event', 'the attribute pauses too');
    log.removeAttribute('paused');
    await waitFor(() => rows(log).length === 5, 'shown once unpaused');
  });

  it('is a polite log that summarizes new events instead of reading every row', async () => {
    const { log, topic } = await liveLog();
    const region = log.shadowRoot!.querySelector('[role="log"]')!;
    equal(region.getAttribute('aria-live'), 'polite');
    await publish([
      { topic, data: { level: 'error', msg: 'a' } },
      { topic, data: { msg: 'b' } },
    ]);
    await waitFor(() => /^2 new events, 1 error$/.test(region.textContent!.trim()), `the summary, got "${region.textContent}"`);
    equal(region.children.length, 0, 'no rows in the live region, only the summary');
  });

  it('has its controls in the tab order', async () => {
    const { log } = await liveLog();
    const before = document.createElement('button');
    before.textContent = 'before';
    log.before(before);
    before.focus();
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) {
      await sendKeys({ press: 'Tab' });
      const active = log.shadowRoot!.activeElement as HTMLElement | null;
      reached.push(active?.getAttribute('part') ?? active?.localName ?? 'outside');
    }
    deepEqual(reached, ['filter', 'level-select', 'pause', 'list']);
  });

  it('refuses bad columns and levels with a clear error', async () => {
    const consoleError = console.error;
    console.error = () => {};
    try {
      for (const [attributes, words] of [
        ['columns="time, a..b"', 'columns must be a comma-separated list'],
        ['min-level="loud"', 'min-level must be one of'],
      ]) {
        const container = mount(`<rt-event-log gateway="${gatewayUrl()}" topic="${uniqueTopic('bad')}" ${attributes}></rt-event-log>`);
        const log = container.querySelector<RtEventLog>('rt-event-log')!;
        await log.updateComplete;
        const error = part(log, 'error')?.textContent ?? '';
        ok(error.includes('bad_attribute') && error.includes(words), `${attributes}: got "${error}"`);
      }
    } finally {
      console.error = consoleError;
    }
    await sleep(0);
  });
});
