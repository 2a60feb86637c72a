import RtEventLog from './rt-event-log.component.js';

export { RtEventLog };
export default RtEventLog;

// Loading rt.js twice on a page must not throw "already defined".
if (!customElements.get('rt-event-log')) customElements.define('rt-event-log', RtEventLog);

declare global {
  interface HTMLElementTagNameMap {
    'rt-event-log': RtEventLog;
  }
}
