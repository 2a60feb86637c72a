/**
 * The real gateways started by web-test-runner.config.mjs, as the page sees
 * them: their WebSocket URLs and a way to publish events through ingest.
 */
import { executeServerCommand } from '@web/test-runner-commands';

declare global {
  interface Window {
    RT_GATEWAY: string | null;
    RT_GATEWAY_SHORT_HISTORY: string | null;
    /** A gateway with tenant "web" (test/support/tenant-gateway.ts). */
    RT_GATEWAY_TENANTS: string | null;
    RT_SHORT_HISTORY: number;
    RT_GATEWAY_MISSING: string | null;
  }
}

/** Which gateway: `main`, or `short` (history of only RT_SHORT_HISTORY messages per topic). */
export type GatewayName = 'main' | 'short' | 'tenants';

/** WebSocket URL of a gateway; fails the test clearly when none is running. */
export function gatewayUrl(name: GatewayName = 'main'): string {
  const url = name === 'main' ? window.RT_GATEWAY : name === 'short' ? window.RT_GATEWAY_SHORT_HISTORY : window.RT_GATEWAY_TENANTS;
  if (!url) throw new Error(window.RT_GATEWAY_MISSING ?? `gateway "${name}" is not running`);
  return url;
}

/** A producer event as POSTed to /v1/events. */
export interface TestEvent {
  topic: string;
  value?: number;
  data?: Record<string, unknown>;
  ts?: number;
}

/** POSTs events to the gateway's ingest and checks they were accepted. */
export async function publish(events: TestEvent | TestEvent[], gateway: GatewayName = 'main'): Promise<void> {
  const result = await executeServerCommand<{ status: number; body: unknown }, unknown>('rt-publish', { gateway, events });
  if (result?.status !== 202) throw new Error(`ingest refused ${JSON.stringify(events).slice(0, 200)}: ${JSON.stringify(result)}`);
}

let counter = 0;

/** A topic no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `test.${prefix}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}${++counter}`;
}
