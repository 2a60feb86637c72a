import { emulateMedia } from '@web/test-runner-commands';
import '../../widgets/index.js';
import { equal } from './support/assert.js';
import { mount, unmountAll } from './support/fixture.js';

// Theme tokens need no gateway; a bad gateway keeps these elements offline.
const OFFLINE = 'gateway="ws://127.0.0.1:65531/ws"';

function background(element: Element): string {
  return getComputedStyle(element).backgroundColor;
}

describe('theme', () => {
  afterEach(async () => {
    unmountAll();
    await emulateMedia({ colorScheme: 'light' });
  });

  it('follows prefers-color-scheme unless the theme attribute forces light or dark', async () => {
    const container = mount(`
      <rt-metric topic="a" ${OFFLINE}></rt-metric>
      <rt-metric topic="a" theme="light" ${OFFLINE}></rt-metric>
      <rt-metric topic="a" theme="dark" ${OFFLINE}></rt-metric>`);
    const [auto, light, dark] = [...container.children];
    await emulateMedia({ colorScheme: 'light' });
    equal(background(auto), 'rgb(255, 255, 255)', 'auto in a light OS');
    equal(background(dark), 'rgb(21, 25, 30)', 'forced dark in a light OS');
    await emulateMedia({ colorScheme: 'dark' });
    equal(background(auto), 'rgb(21, 25, 30)', 'auto in a dark OS');
    equal(background(light), 'rgb(255, 255, 255)', 'forced light in a dark OS');
  });

  it('takes --rt-* variables set by the page, through the shadow boundary', async () => {
    const container = mount(`<div style="--rt-bg: rgb(1, 2, 3); --rt-fg: rgb(4, 5, 6)">
      <rt-metric topic="a" theme="dark" ${OFFLINE}></rt-metric>
    </div>`);
    const metric = container.querySelector('rt-metric')!;
    equal(background(metric), 'rgb(1, 2, 3)');
    equal(getComputedStyle(metric).color, 'rgb(4, 5, 6)');
  });
});
