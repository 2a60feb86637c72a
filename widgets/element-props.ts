/**
 * The author-facing properties of an rt element, derived from its class so
 * framework typings follow the elements as they grow: every public, non-method
 * member the element adds to LitElement, all optional.
 */
import type { LitElement } from 'lit';
import type { RtChart } from './chart/rt-chart.js';
import type { RtSeries } from './chart/rt-series.js';
import type { RtEventLog } from './event-log/rt-event-log.js';
import type { RtErrorEvent, RtStatusEvent } from './events.js';
import type { RtMetric } from './metric/rt-metric.js';

/** Settable properties of element `E` (e.g. `topic`, `label`, `staleAfter`). */
export type ElementProps<E extends HTMLElement> = {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  [K in keyof E as K extends keyof LitElement ? never : E[K] extends Function ? never : K]?: E[K];
};

/** The rt element tags and their classes. */
export interface RtElements {
  'rt-metric': RtMetric;
  'rt-chart': RtChart;
  'rt-event-log': RtEventLog;
  /** A named, styled series inside `<rt-chart>`. */
  'rt-series': RtSeries;
}

/** The events every rt element dispatches, by name. */
export interface RtElementEvents {
  'rt-status': RtStatusEvent;
  'rt-error': RtErrorEvent;
}
