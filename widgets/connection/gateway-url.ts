/**
 * Where the widgets connect. By default the gateway is `/ws` on the host that
 * served the script itself, so `<script src="https://rt.example.com/rt.js">`
 * needs no further configuration on any page that embeds it.
 */
import { WidgetError, WidgetErrorCode } from '../widget-error.js';

/** Path of the gateway's WebSocket endpoint on its host. */
export const GATEWAY_PATH = '/ws';

const WS_FOR_HTTP: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };

function badGateway(message: string): WidgetError {
  return new WidgetError(WidgetErrorCode.BadGateway, message);
}

/**
 * The default gateway for a script loaded from `scriptUrl`: same host,
 * http→ws, https→wss, path `/ws`.
 *
 * @throws WidgetError `bad_gateway` when the script was not loaded over http(s)
 *   (inlined, or from a file), so there is no host to derive the gateway from.
 */
export function defaultGatewayUrl(scriptUrl: string): string {
  let url: URL;
  try {
    url = new URL(scriptUrl);
  } catch {
    throw badGateway(`cannot derive the default gateway from the script URL "${scriptUrl}"; set the gateway attribute`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badGateway(`cannot derive the default gateway from a ${url.protocol} script URL; set the gateway attribute`);
  }
  return `${WS_FOR_HTTP[url.protocol]}//${url.host}${GATEWAY_PATH}`;
}

/**
 * Turns a `gateway` attribute into the WebSocket URL to open.
 *
 * Accepts `ws://` and `wss://` URLs as they are; `http(s)://` URLs map to
 * `ws(s)://`, with path `/ws` when they have none; anything else is resolved
 * against `pageUrl` first (so `/ws` or `../gw/ws` work on the page's host).
 * An empty or missing value yields the default for `scriptUrl`.
 *
 * @throws WidgetError `bad_gateway` naming the value when it cannot be used.
 */
export function resolveGatewayUrl(value: string | null | undefined, pageUrl: string, scriptUrl: string): string {
  const raw = (value ?? '').trim();
  if (raw === '') return defaultGatewayUrl(scriptUrl);
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(raw);
  let url: URL;
  try {
    url = absolute ? new URL(raw) : new URL(raw, pageUrl);
  } catch {
    throw badGateway(`gateway "${raw}" is not a valid URL`);
  }
  const protocol = WS_FOR_HTTP[url.protocol];
  if (protocol === undefined || url.host === '') {
    throw badGateway(`gateway "${raw}" must be a ws://, wss://, http:// or https:// URL`);
  }
  // Only an absolute http(s) URL of a bare host means "the gateway on that
  // host"; a relative value is a path the author chose on purpose.
  const bareHost = absolute && (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/';
  const path = bareHost ? GATEWAY_PATH : url.pathname;
  // WebSocket refuses URLs with a fragment, so it is dropped rather than failing later.
  return `${protocol}//${url.host}${path}${url.search}`;
}

/** Base URL for relative gateway attributes: the page's base URL where there is a DOM. */
export function pageBaseUrl(): string {
  return typeof document !== 'undefined' ? document.baseURI : String(globalThis.location ?? 'http://localhost/');
}

/** URL of this module: the bundle (rt.js) once built, which is what the default is derived from. */
export const SCRIPT_URL: string = import.meta.url;
