/**
 * The script-tag bundle (dist/rt.js): registers <rt-metric> now, and
 * <rt-chart> and <rt-event-log> as lazy chunks loaded the first time such an
 * element appears (see lazy-elements.ts); exports the API for custom widgets
 * on the same connection.
 */
export { subscribe } from './connection/connection-manager.js';
export { configure, type RtConfiguration, type TokenSource } from './connection/token-source.js';
export type { ConnectionStatus, SubscribeOptions, TopicListener, Unsubscribe } from './connection/listener.js';
export { TopicController, type TopicControllerOptions } from './topic-controller.js';
export { WidgetError, WidgetErrorCode } from './widget-error.js';
export type { RtErrorDetail, RtErrorEvent, RtStatusDetail, RtStatusEvent } from './events.js';
export { RtMetric } from './metric/rt-metric.js';
export type { RtChart } from './chart/rt-chart.js';
export type { RtEventLog } from './event-log/rt-event-log.js';
export { loadElement, type LazyTag } from './lazy-elements.js';
