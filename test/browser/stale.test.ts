import fc from 'fast-check';
import '../../widgets/index.js';
import type { RtMetric } from '../../widgets/index.js';
import { describeAge, parseDuration } from '../../widgets/duration.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

describe('stale data', () => {
  afterEach(unmountAll);

  it('an element reflects stale after stale-after without data, says how old the data is, and recovers when data arrives', async () => {
    const topic = uniqueTopic('quiet');
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" stale-after="1s"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    await whenLive(metric);
    await publish({ topic, value: 1, ts: Date.now() });
    await waitFor(() => part(metric, 'value')?.textContent === '1', 'the value');
    equal(metric.hasAttribute('stale'), false, 'fresh data is not stale');
    await waitFor(() => metric.hasAttribute('stale'), 'the stale attribute', 4000);
    const age = await waitFor(() => part(metric, 'age'), 'the age in words');
    ok(/^no data for \d+ s$/.test(age.textContent!), `says how old: "${age.textContent}"`);
    await waitFor(() => getComputedStyle(metric.shadowRoot!.querySelector('.reading')!).opacity === '0.5', 'the value to be dimmed');
    equal(part(metric, 'status')!.dataset.status, 'open', 'the dot still tells the connection');

    // Age counts from the message's ts: a ts a little ahead keeps the check
    // about recovery, not about how fast a loaded machine delivers (> 1 s seen in CI).
    await publish({ topic, value: 2, ts: Date.now() + 5000 });
    await waitFor(() => !metric.hasAttribute('stale') && part(metric, 'value')?.textContent === '2', 'stale to go with new data');
    equal(part(metric, 'age'), null, 'no age words while fresh');
  });

  it('without stale-after, data last published minutes ago is stale as soon as it is shown', async () => {
    const topic = uniqueTopic('old');
    await publish({ topic, value: 3, ts: Date.now() - 4 * 60_000 });
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    await waitFor(() => part(metric, 'value')?.textContent === '3', 'the old value from the snapshot');
    await waitFor(() => metric.hasAttribute('stale'), 'the stale attribute');
    equal(part(metric, 'age')?.textContent, 'no data for 4 min');
  });

  it('parses durations with a unit and refuses anything else with an explanation', () => {
    equal(parseDuration('30s'), 30_000);
    equal(parseDuration('500ms'), 500);
    equal(parseDuration('1.5m'), 90_000);
    equal(parseDuration(' 2h '), 7_200_000);
    for (const bad of ['30', '', 's', '-1s', '0s', '1d', '1e3ms', '31h0', '721h']) ok(typeof parseDuration(bad) === 'string', `"${bad}" is refused`);
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseDuration(text);
        return typeof result === 'string' || (result > 0 && result <= 30 * 24 * 3_600_000);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 720 }), fc.constantFrom('ms', 's', 'm', 'h'), (n, unit) => {
        const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
        return parseDuration(`${n}${unit}`) === n * factor;
      }),
    );
    equal(describeAge(4 * 60_000 + 10_000), '4 min');
    equal(describeAge(59_000), '59 s');
    equal(describeAge(3 * 3_600_000), '3 h');
    equal(describeAge(5 * 86_400_000), '5 days');
  });
});
