import { emulateMedia } from '@web/test-runner-commands';
import '../../widgets/index.js';
// rt-chart arrives as a lazy chunk from index.js; these tests use it at once.
import '../../widgets/chart/rt-chart.js';
import type { RtChart } from '../../widgets/index.js';
import { equal } from './support/assert.js';
import { mount, unmountAll } from './support/fixture.js';

// Theme tokens need no gateway; a bad gateway keeps these elements offline.
const OFFLINE = 'gateway="ws://127.0.0.1:65531/ws"';
const LIGHT_BG = 'rgb(255, 255, 255)';
const DARK_BG = 'rgb(21, 25, 30)';

function background(element: Element): string {
  return getComputedStyle(element).backgroundColor;
}

describe('theme', () => {
  let meta: HTMLMetaElement | null = null;

  afterEach(async () => {
    unmountAll();
    document.documentElement.style.colorScheme = '';
    meta?.remove();
    meta = null;
    await emulateMedia({ colorScheme: 'light' });
  });

  it('auto stays light on a page that declares no color-scheme, even when the OS is dark', async () => {
    const container = mount(`<rt-metric topic="a" ${OFFLINE}></rt-metric><rt-metric topic="a" theme="auto" ${OFFLINE}></rt-metric>`);
    await emulateMedia({ colorScheme: 'dark' });
    for (const element of container.children) equal(background(element), LIGHT_BG, 'auto on a light page in a dark OS');
  });

  it('auto turns dark on a page that declares color-scheme: dark on its root', async () => {
    const container = mount(`<rt-metric topic="a" ${OFFLINE}></rt-metric>`);
    document.documentElement.style.colorScheme = 'dark';
    equal(background(container.firstElementChild!), DARK_BG);
    document.documentElement.style.colorScheme = 'light';
    equal(background(container.firstElementChild!), LIGHT_BG, 'and back when the page switches to light');
  });

  it('auto follows <meta name="color-scheme">: "light dark" means the OS preference', async () => {
    meta = document.createElement('meta');
    meta.name = 'color-scheme';
    meta.content = 'light dark';
    document.head.append(meta);
    const container = mount(`<rt-metric topic="a" ${OFFLINE}></rt-metric>`);
    await emulateMedia({ colorScheme: 'dark' });
    equal(background(container.firstElementChild!), DARK_BG, 'dark OS');
    await emulateMedia({ colorScheme: 'light' });
    equal(background(container.firstElementChild!), LIGHT_BG, 'light OS');
  });

  it('system follows the OS, light and dark force, whatever the page declares', async () => {
    const container = mount(`
      <rt-metric topic="a" theme="system" ${OFFLINE}></rt-metric>
      <rt-metric topic="a" theme="light" ${OFFLINE}></rt-metric>
      <rt-metric topic="a" theme="dark" ${OFFLINE}></rt-metric>`);
    const [system, light, dark] = [...container.children];
    await emulateMedia({ colorScheme: 'light' });
    document.documentElement.style.colorScheme = 'dark';
    equal(background(system), LIGHT_BG, 'system in a light OS on a dark page');
    equal(background(dark), DARK_BG, 'forced dark in a light OS');
    await emulateMedia({ colorScheme: 'dark' });
    document.documentElement.style.colorScheme = 'light';
    equal(background(system), DARK_BG, 'system in a dark OS on a light page');
    equal(background(light), LIGHT_BG, 'forced light in a dark OS');
  });

  it('takes --rt-* variables set by the page, through the shadow boundary', async () => {
    const container = mount(`<div style="--rt-bg: rgb(1, 2, 3); --rt-fg: rgb(4, 5, 6)">
      <rt-metric topic="a" theme="dark" ${OFFLINE}></rt-metric>
    </div>`);
    const metric = container.querySelector('rt-metric')!;
    equal(background(metric), 'rgb(1, 2, 3)');
    equal(getComputedStyle(metric).color, 'rgb(4, 5, 6)');
  });

  it('a chart draws with the colours of the scheme it resolves to', async () => {
    const container = mount(`<rt-chart topics="a" ${OFFLINE}></rt-chart>`);
    const chart = container.firstElementChild as RtChart;
    await chart.updateComplete;
    document.documentElement.style.colorScheme = 'dark';
    const probe = chart.shadowRoot!.querySelector('.probe');
    equal(probe && getComputedStyle(probe.children[2]).color, 'rgb(110, 161, 255)', 'series 1 in dark');
  });
});
