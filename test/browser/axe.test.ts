import { setupIgnoreWindowResizeObserverLoopErrors } from '@lit-labs/virtualizer/support/resize-observer-errors.js';
import { setViewport } from '@web/test-runner-commands';
import '../../widgets/index.js';
import { loadElement } from '../../widgets/index.js';
import { ok } from './support/assert.js';
import { mount, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { waitFor } from './support/wait.js';

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}
declare global {
  interface Window {
    axe?: { run(context: Element, options?: object): Promise<AxeResult> };
  }
}

/** axe-core as a classic script (its UMD build), from the test server's node_modules. */
function loadAxe(): Promise<void> {
  if (window.axe) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('could not load axe-core'));
    document.head.append(script);
  });
}

/**
 * Resolves once no CSS transition runs in `root`'s elements' shadow trees.
 * axe reads computed colours and opacities at one instant: a reading that is
 * still fading in from its dimmed, not-yet-live look (`.reading` transitions
 * opacity 0.5 → 1 over 0.3 s once the connection opens) is measured
 * half-transparent, and its crit colour then fails contrast although the
 * settled page passes. Checked after a frame so a style change made just
 * before has started its transition.
 */
async function transitionsSettled(root: Element): Promise<void> {
  for (;;) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const running = [...root.querySelectorAll('*')].flatMap((element) => element.shadowRoot?.getAnimations() ?? []).filter((animation) => animation instanceof CSSTransition && animation.playState === 'running');
    if (running.length === 0) return;
    // A transition cancelled by a newer style change rejects `finished`; either way it is over.
    await Promise.all(running.map((animation) => animation.finished.catch(() => undefined)));
  }
}

async function violations(root: Element): Promise<string[]> {
  const result = await window.axe!.run(root, { resultTypes: ['violations'] });
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target) + ' ' + (n.failureSummary ?? '')).join('; ')}`);
}

describe('accessibility (axe-core)', () => {
  setupIgnoreWindowResizeObserverLoopErrors(beforeEach, afterEach);
  // Tall enough that every element is in view (unseen elements do not render).
  before(() => Promise.all([loadAxe(), loadElement('rt-chart'), loadElement('rt-event-log'), setViewport({ width: 1000, height: 2400 })]));
  afterEach(unmountAll);

  for (const theme of ['light', 'dark']) {
    it(`finds no violations in the three elements with data, thresholds, controls and states (${theme})`, async () => {
      const [m, c, l] = [uniqueTopic('axe'), uniqueTopic('axe'), uniqueTopic('axe')];
      const g = gatewayUrl();
      const container = mount(`<main>
        <rt-metric theme="${theme}" gateway="${g}" topic="${m}" label="Load" unit="%" warn="50" crit="90" trend="1m" sparkline="5m"></rt-metric>
        <rt-metric theme="${theme}" gateway="${g}" topic="${uniqueTopic('axe')}" label="Empty"></rt-metric>
        <rt-metric theme="${theme}" gateway="${g}" topic="bad topic!"></rt-metric>
        <rt-chart theme="${theme}" gateway="${g}" label="CPU"><rt-series topic="${c}" label="user"></rt-series></rt-chart>
        <rt-event-log theme="${theme}" gateway="${g}" topic="${l}" label="Audit" columns="time, level, service:Service, text"></rt-event-log>
      </main>`);
      const consoleError = console.error;
      console.error = () => {};
      try {
        for (const element of container.querySelectorAll('rt-metric[topic^="test"], rt-chart, rt-event-log')) await whenLive(element);
        await publish([
          { topic: m, value: 95 },
          { topic: c, value: 3 },
          { topic: l, data: { level: 'error', msg: 'disk full', service: 'db' } },
          { topic: l, data: { level: 'warn', msg: 'slow', service: 'api' } },
          { topic: l, data: { level: 'info', msg: 'ok', service: 'api' } },
        ]);
        await waitFor(() => container.querySelector('rt-event-log')!.shadowRoot!.querySelectorAll('[part~="row"]').length === 3, 'the rows');
        await waitFor(() => container.querySelector('rt-metric')!.shadowRoot!.querySelector('[part~="level"]'), 'the level');
        await transitionsSettled(container);
        const found = await violations(container);
        ok(found.length === 0, `axe found:\n${found.join('\n')}`);
      } finally {
        console.error = consoleError;
      }
    });
  }
});
