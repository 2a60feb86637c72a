import RtMetric from './rt-metric.component.js';

export { RtMetric };
export default RtMetric;

// Loading rt.js twice on a page must not throw "already defined".
if (!customElements.get('rt-metric')) customElements.define('rt-metric', RtMetric);

declare global {
  interface HTMLElementTagNameMap {
    'rt-metric': RtMetric;
  }
}
