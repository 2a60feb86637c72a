import { emulateMedia } from '@web/test-runner-commands';
import fc from 'fast-check';
import '../../widgets/index.js';
import type { RtMetric } from '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { mount, part, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { spyOnWebSocket } from './support/socket-spy.js';
import { sleep, waitFor } from './support/wait.js';

const spy = spyOnWebSocket();
const subscribed = () => spy.sentFrames('sub').flatMap((frame) => (frame.topics as { topic: string }[]).map((t) => t.topic));

const shown = (metric: Element, name = 'value') => part(metric, name)?.textContent?.replace(/\s+/g, ' ').trim();

async function liveMetric(attributes: string): Promise<{ metric: RtMetric; topic: string }> {
  const topic = uniqueTopic('m');
  const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" ${attributes}></rt-metric>`);
  const metric = container.querySelector<RtMetric>('rt-metric')!;
  await whenLive(metric);
  return { metric, topic };
}

describe('<rt-metric> features', () => {
  afterEach(unmountAll);

  it('reads the number from the field path into data', async () => {
    const { metric, topic } = await liveMetric('field="cpu.user"');
    await publish({ topic, value: 1, data: { cpu: { user: 37.5 } } });
    await waitFor(() => shown(metric) === '37.5', 'data.cpu.user to show');
  });

  it('formats compact, percent, bytes and duration through Intl in the given locale', async () => {
    const cases: [string, number, string][] = [
      ['format="compact" locale="en-US"', 12345, '12K'],
      ['format="percent" locale="en-US"', 0.256, '25.6%'],
      ['format="bytes" locale="en-US"', 1_500_000, '1.5 MB'],
      ['format="duration" locale="en-US"', 90_000, '1.5 min'],
      ['decimals="1" locale="de-DE"', 1234.56, '1.234,6'],
    ];
    for (const [attributes, value, expected] of cases) {
      const { metric, topic } = await liveMetric(attributes);
      await publish({ topic, value });
      await waitFor(() => shown(metric) === expected, `${attributes} to show ${expected}`);
    }
  });

  it('colours the value and says the threshold in words, above and below', async () => {
    const { metric, topic } = await liveMetric('warn="80" crit="95" locale="en-US"');
    await publish({ topic, value: 85 });
    await waitFor(() => shown(metric, 'level') === 'warning: at or above 80', 'the warning in words');
    equal(metric.shadowRoot!.querySelector('.reading')!.getAttribute('data-level'), 'warn');
    const valueColor = getComputedStyle(part(metric, 'value')!).color;
    await publish({ topic, value: 99 });
    await waitFor(() => shown(metric, 'level') === 'critical: at or above 95', 'the critical level in words');
    ok(getComputedStyle(part(metric, 'value')!).color !== valueColor, 'critical is coloured unlike warning');
    await publish({ topic, value: 10 });
    await waitFor(() => part(metric, 'level') === null, 'no level words when ok');

    const low = await liveMetric('warn="20" crit="5" direction="below"');
    await publish({ topic: low.topic, value: 4 });
    await waitFor(() => shown(low.metric, 'level') === 'critical: at or below 5', 'below: critical');
  });

  it('announces threshold changes politely, throttled to where the value ended up', async () => {
    const { metric, topic } = await liveMetric('warn="50" crit="90" label="Load"');
    const region = () => metric.shadowRoot!.querySelector('[aria-live="polite"]');
    await publish({ topic, value: 60 });
    await waitFor(() => region()?.textContent?.includes('Load: warning'), 'the first change announced at once');
    // Flapping within the throttle interval: nothing more is said until it is over.
    await publish({ topic, value: 95 });
    await sleep(150);
    await publish({ topic, value: 10 });
    await sleep(300);
    ok(region()!.textContent!.includes('warning'), `no new announcement inside the interval, got "${region()!.textContent}"`);
    await waitFor(() => region()?.textContent?.includes('back to normal'), 'the latest level announced after the interval', 8000);
  });

  it('shows the trend against the interval ago with an arrow, and a sparkline', async () => {
    const topic = uniqueTopic('trend');
    const now = Date.now();
    await publish([
      { topic, value: 10, ts: now - 70_000 },
      { topic, value: 12, ts: now - 30_000 },
      { topic, value: 15, ts: now - 1000 },
    ]);
    await sleep(300);
    const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" trend="1m" sparkline="5m" locale="en-US"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    await waitFor(() => shown(metric, 'trend')?.includes('up 5 in 1 min'), 'the trend');
    ok(shown(metric, 'trend')!.startsWith('▲'), 'an up arrow');
    const line = part(metric, 'sparkline')?.querySelector('polyline');
    await waitFor(() => (line?.getAttribute('points') ?? '').trim().split(' ').length === 3, 'three points in the sparkline');
  });

  it('respects prefers-reduced-motion: the value does not fade', async () => {
    const container = mount(`<rt-metric gateway="ws://127.0.0.1:65531/ws" topic="a.b"></rt-metric>`);
    const metric = container.querySelector<RtMetric>('rt-metric')!;
    await metric.updateComplete;
    const reading = metric.shadowRoot!.querySelector('.reading')!;
    equal(getComputedStyle(reading).transitionDuration, '0.3s');
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      equal(getComputedStyle(reading).transitionDuration, '0s');
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
  });

  it('refuses bad thresholds, formats, locales and durations with a clear error, and subscribes to nothing', async () => {
    const bad: [string, string][] = [
      ['format="weird"', 'format must be one of'],
      ['locale="not a locale!"', 'locale'],
      ['warn="lots"', 'warn must be a number'],
      ['direction="sideways"', 'direction must be'],
      ['warn="90" crit="50"', 'crit (50) must be at or above warn (90)'],
      ['trend="a while"', 'trend must be a duration'],
      ['sparkline="5"', 'sparkline must be a duration'],
      ['field="a..b"', 'field must be a dot-separated path'],
    ];
    const consoleError = console.error;
    console.error = () => {};
    try {
      for (const [attributes, words] of bad) {
        const topic = uniqueTopic('bad');
        const container = mount(`<rt-metric gateway="${gatewayUrl()}" topic="${topic}" ${attributes}></rt-metric>`);
        const metric = container.querySelector<RtMetric>('rt-metric')!;
        // Formats and thresholds are judged once their code has loaded (a moment).
        await waitFor(() => part(metric, 'error'), `${attributes}: an error`);
        const error = part(metric, 'error');
        ok(error?.textContent?.includes('bad_attribute') && error.textContent.includes(words), `${attributes}: expected "${words}", got "${error?.textContent}"`);
        equal(metric.getAttribute('state'), 'error');
        await sleep(50);
        ok(!subscribed().includes(topic), `${attributes}: nothing subscribed`);
      }
      // Generated junk never crashes the element: it is either used or refused with bad_attribute.
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 12 }), fc.constantFrom('format', 'warn', 'crit', 'direction', 'trend', 'sparkline', 'field', 'locale'), async (value, name) => {
          const metric = document.createElement('rt-metric');
          metric.setAttribute('gateway', 'ws://127.0.0.1:65531/ws');
          metric.setAttribute('topic', 'fuzz.topic');
          metric.setAttribute(name, value);
          mount('').append(metric);
          await metric.updateComplete;
          await sleep(5);
          await metric.updateComplete;
          const error = part(metric, 'error');
          if (error) ok(error.textContent!.includes('bad_attribute'), `${name}="${value}": ${error.textContent}`);
          metric.remove();
        }),
        { numRuns: 60 },
      );
    } finally {
      console.error = consoleError;
    }
  });
});
