/**
 * The production bundle (dist/rt.js, from `npm run build`) as served by the
 * real gateway, on another origin than the test page: the way an embedding
 * page gets it.
 */
import { gatewayUrl } from './gateway.js';

/** http://host:port of the main gateway (the page itself is on Web Test Runner's origin). */
export function gatewayOrigin(): string {
  const url = new URL(gatewayUrl());
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

/** What rt.js exports, as far as these tests use it. */
export interface RtBundle {
  loadElement(tag: string): Promise<CustomElementConstructor>;
}

/** Imports rt.js from the gateway's origin. */
export async function importBundle(): Promise<RtBundle> {
  const origin = gatewayOrigin();
  if (origin === location.origin) throw new Error('the gateway must be on another origin than the page for these tests to mean anything');
  return (await import(/* @vite-ignore */ `${origin}/rt.js`)) as RtBundle;
}

/** URLs of the scripts the page fetched so far from the gateway's chunk folder. */
export function fetchedChunks(): string[] {
  const prefix = `${gatewayOrigin()}/rt/`;
  return performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((name) => name.startsWith(prefix));
}
