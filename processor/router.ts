/**
 * Routing: which topic messages an ingest event becomes. Today every event is
 * published on its own topic unchanged (pass-through); aggregation and
 * transform rules plug in here later without touching the consume loop.
 */
import type { IngestEvent } from '../bus/index.js';
import type { MessageBody } from '../protocol/index.js';

/** A message the router wants published. */
export interface Routed {
  topic: string;
  body: MessageBody;
}

export type Router = (event: IngestEvent) => Routed[];

/** Publishes each event on its own topic with its ts, value and data. */
export const passThrough: Router = (event) => {
  const body: MessageBody = { ts: event.ts };
  if (event.value !== undefined) body.value = event.value;
  if (event.data !== undefined) body.data = event.data;
  return [{ topic: event.topic, body }];
};
