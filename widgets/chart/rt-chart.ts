import RtChart from './rt-chart.component.js';
import './rt-series.js';

export { RtChart };
export default RtChart;

// Loading rt.js twice on a page must not throw "already defined".
if (!customElements.get('rt-chart')) customElements.define('rt-chart', RtChart);

declare global {
  interface HTMLElementTagNameMap {
    'rt-chart': RtChart;
  }
}
