/**
 * Events every rt element dispatches, declared once. They bubble and cross
 * shadow boundaries so a page can watch all widgets from `document`.
 */
import type { ConnectionStatus } from './connection/listener.js';

/** Detail of `rt-status`. */
export interface RtStatusDetail {
  /** The connection's new state, or `idle` when the element is not subscribed. */
  status: ConnectionStatus | 'idle';
}

/** Detail of `rt-error`. */
export interface RtErrorDetail {
  /** Stable code: a widget error code (bad_topic, bad_gateway, …) or a gateway error code. */
  code: string;
  /** Human-readable explanation. */
  message: string;
  /** The topic concerned, when there is one. */
  topic?: string;
}

/** The connection behind an element changed state. */
export type RtStatusEvent = CustomEvent<RtStatusDetail>;

/** An element's attributes are unusable, or the gateway refused one of its topics. */
export type RtErrorEvent = CustomEvent<RtErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'rt-status': RtStatusEvent;
    'rt-error': RtErrorEvent;
  }
}

/** Dispatches a typed rt event from `target`. */
export function emit<K extends 'rt-status' | 'rt-error'>(
  target: EventTarget,
  name: K,
  detail: GlobalEventHandlersEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}
