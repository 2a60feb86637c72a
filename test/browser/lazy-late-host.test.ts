// A component library whose script runs after rt.js: its element is on the
// page before it is defined, and renders <rt-chart> into its shadow root
// once defined. rt.js must still find the chart and load its code.
import { ok } from './support/assert.js';
import { fetchedChunks, gatewayOrigin, importBundle } from './support/bundle.js';
import { mount, unmountAll, whenLive } from './support/fixture.js';
import { gatewayUrl, uniqueTopic } from './support/gateway.js';

describe('an element defined after rt.js ran', () => {
  afterEach(unmountAll);

  it('gets the chart it renders into its shadow root loaded', async () => {
    await importBundle();
    const topic = uniqueTopic('late-host');
    mount('<late-dashboard></late-dashboard>');
    await new Promise((r) => setTimeout(r, 50));
    ok(!fetchedChunks().some((url) => url.includes('/rt-chart-')), 'nothing loaded while the host is undefined');
    customElements.define(
      'late-dashboard',
      class extends HTMLElement {
        connectedCallback(): void {
          const root = this.attachShadow({ mode: 'open' });
          // Rendered a task later, as a framework's first render may be.
          setTimeout(() => (root.innerHTML = `<rt-chart gateway="${gatewayUrl()}" topics="${topic}" window="30"></rt-chart>`));
        }
      },
    );
    await customElements.whenDefined('rt-chart');
    ok(fetchedChunks().some((url) => url.startsWith(`${gatewayOrigin()}/rt/rt-chart-`)), 'the chart chunk came from the gateway');
    const chart = document.querySelector('late-dashboard')!.shadowRoot!.querySelector('rt-chart')!;
    await whenLive(chart);
  });
});
