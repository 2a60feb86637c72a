import { executeServerCommand } from '@web/test-runner-commands';
import '../../widgets/index.js';
import { configure, loadElement } from '../../widgets/index.js';
import { elementState, stateWords, RECONNECT_WORDS_AFTER_MS } from '../../widgets/element-state.js';
import { WidgetError, WidgetErrorCode } from '../../widgets/widget-error.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

const TAGS = ['rt-metric', 'rt-chart', 'rt-event-log'] as const;
const topicAttr = (tag: string) => (tag === 'rt-chart' ? 'topics' : 'topic');
/** A port nothing listens on: the connection keeps failing and retrying. */
const DEAD = 'ws://127.0.0.1:65531/ws';

describe('states, the same in every element', () => {
  before(() => Promise.all([loadElement('rt-chart'), loadElement('rt-event-log')]));
  afterEach(unmountAll);

  for (const tag of TAGS) {
    it(`<${tag}> says "no data yet" when live without data, then nothing once data arrives`, async () => {
      const topic = uniqueTopic('state');
      const container = mount(`<${tag} gateway="${gatewayUrl()}" ${topicAttr(tag)}="${topic}"></${tag}>`);
      const element = container.firstElementChild!;
      await whenLive(element);
      const empty = tag === 'rt-event-log' ? 'no events yet' : 'no data yet';
      await waitFor(() => part(element, 'state-empty')?.textContent === empty, `"${empty}" in the state part`);
      await publish({ topic, value: 1, data: { msg: 'x' } });
      await waitFor(() => element.getAttribute('state') === 'live' && part(element, 'state') === null, 'live, no words');
    });

    it(`<${tag}> says connecting, then "reconnecting" in words only after a few seconds`, async () => {
      const container = mount(`<${tag} gateway="${DEAD}" ${topicAttr(tag)}="a.b"></${tag}>`);
      const element = container.firstElementChild!;
      await waitFor(() => element.getAttribute('state') === 'reconnecting', 'the reconnecting state');
      const since = performance.now();
      equal(part(element, 'state'), null, 'no words for a blip');
      await waitFor(() => part(element, 'state-reconnecting')?.textContent === 'connection lost, reconnecting…', 'the words', RECONNECT_WORDS_AFTER_MS + 3000);
      ok(performance.now() - since >= RECONNECT_WORDS_AFTER_MS - 1000, 'not before a few seconds');
    });

    it(`<${tag}> shows an error with its code, in the error part, and the error state`, async () => {
      const consoleError = console.error;
      console.error = () => {};
      try {
        const container = mount(`<${tag} gateway="${gatewayUrl()}" ${topicAttr(tag)}="bad topic!"></${tag}>`);
        const element = container.firstElementChild!;
        await waitFor(() => part(element, 'error')?.textContent?.startsWith('bad_topic'), 'the code first');
        equal(element.getAttribute('state'), 'error');
      } finally {
        console.error = consoleError;
      }
    });
  }

  for (const tag of TAGS) {
    it(`<${tag}> shows unauthorized and forbidden states from a gateway with tenants, with their codes`, async () => {
      const token = (topics: string[], forged: boolean) => executeServerCommand<string, unknown>('rt-token', { topics, ttlSec: 60, forged }) as Promise<string>;
      const consoleError = console.error;
      console.error = () => {};
      try {
        const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        const refused = `${gatewayUrl('tenants')}?refused=${stamp}`;
        const forged = await token(['web.**'], true);
        const a = mount(`<${tag} gateway="${refused}" ${topicAttr(tag)}="web.states.${stamp}"></${tag}>`).firstElementChild as HTMLElement & { token?: unknown };
        a.token = () => forged;
        await waitFor(() => a.getAttribute('state') === 'unauthorized', 'the unauthorized state');
        ok(part(a, 'error')?.textContent?.startsWith('unauthorized'), 'the code in the error part');

        const granted = `${gatewayUrl('tenants')}?forbidden=${stamp}`;
        configure({ token: () => token(['web.granted.*'], false) });
        const b = mount(`<${tag} gateway="${granted}" ${topicAttr(tag)}="web.secret.${stamp}"></${tag}>`).firstElementChild!;
        await waitFor(() => b.getAttribute('state') === 'forbidden', 'the forbidden state');
        ok(part(b, 'error')?.textContent?.startsWith('forbidden'), 'the code in the error part');
      } finally {
        configure({ token: null });
        console.error = consoleError;
      }
    });
  }

  it('marks unauthorized and forbidden apart from other errors, and stale data as stale', () => {
    const base = { status: 'open' as const, problem: null, error: null, hasData: true, stale: false };
    equal(elementState({ ...base, problem: new WidgetError('unauthorized' as WidgetErrorCode, 'no') }), 'unauthorized');
    equal(elementState({ ...base, problem: new WidgetError('forbidden' as WidgetErrorCode, 'no') }), 'forbidden');
    equal(elementState({ ...base, error: { op: 'error', code: 'forbidden' as never, message: 'no' } }), 'forbidden');
    equal(elementState({ ...base, problem: new WidgetError(WidgetErrorCode.BadTopic, 'no') }), 'error');
    equal(elementState({ ...base, stale: true }), 'stale');
    equal(elementState({ ...base, hasData: false }), 'empty');
    equal(elementState({ ...base, status: 'connecting' }), 'connecting');
    equal(stateWords('connecting', 0, ''), 'connecting…');
    equal(stateWords('reconnecting', 100, ''), '');
  });
});
