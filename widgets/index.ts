/**
 * The script-tag bundle (dist/rt.js): registers <rt-metric>, <rt-chart> and
 * <rt-event-log>, and exports the API for custom widgets on the same
 * connection.
 */
export { subscribe } from './connection/connection-manager.js';
export { configure, type RtConfiguration, type TokenSource } from './connection/token-source.js';
export type { ConnectionStatus, SubscribeOptions, TopicListener, Unsubscribe } from './connection/listener.js';
export { TopicController, type TopicControllerOptions } from './topic-controller.js';
export { WidgetError, WidgetErrorCode } from './widget-error.js';
export type { RtErrorDetail, RtErrorEvent, RtStatusDetail, RtStatusEvent } from './events.js';
export { RtMetric } from './metric/rt-metric.js';
export { RtChart } from './chart/rt-chart.js';
export { RtEventLog } from './event-log/rt-event-log.js';
