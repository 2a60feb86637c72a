/**
 * The page-wide registry of gateway connections: exactly one socket per
 * gateway URL, whoever asks. It lives on `globalThis` under a registered
 * symbol, so two copies of rt.js on one page (a CMS plugin and the page
 * itself, say) still share their sockets.
 */
import { MAX_SNAPSHOT, MAX_SNAPSHOT_MS, topicProblem } from '../../protocol/index.js';
import { WidgetError, WidgetErrorCode } from '../widget-error.js';
import { Connection } from './connection.js';
import { TRANSPORTS, type TransportChoice } from './transport.js';
import { pageBaseUrl, resolveGatewayUrl, SCRIPT_URL } from './gateway-url.js';
import type { ConnectionStatus, SubscribeOptions, TopicListener, Unsubscribe } from './listener.js';
import { configure as configureToken, type RtConfiguration, type TokenSource } from './token-source.js';

/**
 * What a registry entry must offer. Entries may come from another copy (or
 * version) of the bundle, so this shape is a contract between versions: only
 * ever add to it.
 */
export interface SharedConnection {
  readonly url: string;
  readonly status: ConnectionStatus;
  subscribe(topic: string, listener: TopicListener): Unsubscribe;
  /** Where the connection's tokens come from (added in bundles with tenants; absent in older copies). */
  setToken?(source: TokenSource | null): void;
  /** Chooses the transport (added with the SSE fallback; older copies lack it). */
  setTransport?(transport: TransportChoice): void;
}

/** Page-wide settings, shared by every copy of rt.js like the registry. */
interface PageSettings {
  transport: TransportChoice;
}

const SETTINGS_KEY = Symbol.for('rt.settings');

function settings(): PageSettings {
  const holder = globalThis as unknown as Record<symbol, PageSettings | undefined>;
  let value = holder[SETTINGS_KEY];
  if (!value || typeof value !== 'object') {
    value = { transport: 'auto' };
    holder[SETTINGS_KEY] = value;
  }
  return value;
}

/** Page-wide options of `configure()`. */
export interface ConfigureOptions extends RtConfiguration {
  /**
   * `auto` (default): WebSocket, and the Server-Sent Events fallback when
   * the WebSocket cannot open; `websocket` or `sse` forces one (for testing
   * a page as it works behind a proxy that blocks WebSockets).
   */
  transport?: TransportChoice;
}

function checkTransport(where: string, transport: unknown): TransportChoice {
  if (!TRANSPORTS.includes(transport as TransportChoice)) {
    throw new WidgetError(WidgetErrorCode.BadAttribute, `${where} must be one of ${TRANSPORTS.join(', ')}, got "${String(transport)}"`);
  }
  return transport as TransportChoice;
}

/**
 * Sets page-wide options, so thirty widgets need not repeat them, for every
 * connection: those open now (from their next connect) and those made later.
 *
 * ```js
 * import { configure } from 'https://rt.example.com/rt.js';
 * configure({ token: () => fetch('/rt-token').then((r) => r.text()), transport: 'auto' });
 * ```
 *
 * @throws WidgetError `bad_attribute` naming an unknown transport; TypeError
 *   naming a token that cannot be used. Nothing is applied when either is bad.
 */
export function configure(options: ConfigureOptions): void {
  const transport = options?.transport === undefined ? undefined : checkTransport('configure({ transport })', options.transport);
  configureToken(options);
  if (transport === undefined) return;
  settings().transport = transport;
  for (const connection of registry().values()) connection.setTransport?.(transport);
}

const REGISTRY_KEY = Symbol.for('rt.connections');

type Registry = Map<string, SharedConnection>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let map = holder[REGISTRY_KEY];
  if (!(map instanceof Map)) {
    map = new Map();
    holder[REGISTRY_KEY] = map;
  }
  return map;
}

/** The page's connection to the gateway at `url` (a resolved ws(s):// URL), created on first use. */
export function connectionFor(url: string, transport?: TransportChoice): SharedConnection {
  const connections = registry();
  let connection = connections.get(url);
  if (!connection || typeof connection.subscribe !== 'function') {
    connection = new Connection(url, { transport: transport ?? settings().transport });
    connections.set(url, connection);
  } else if (transport !== undefined) {
    connection.setTransport?.(transport);
  }
  return connection;
}

/**
 * Subscribes to a topic on the page's shared connection, for custom widgets:
 *
 * ```js
 * import { subscribe } from 'https://rt.example.com/rt.js';
 * const stop = subscribe('orders.per_sec', { onMessages: (msgs) => draw(msgs.at(-1).value) });
 * ```
 *
 * Messages arrive at most once per animation frame, in order and without
 * duplicates, also across reconnects.
 *
 * @param topic - topic name, e.g. `orders.per_sec`.
 * @param options - callbacks, snapshot size or time window, queue bound, and the gateway
 *   (default: `/ws` on the host that served rt.js).
 * @returns a function that ends the subscription.
 * @throws WidgetError `bad_topic`, `bad_gateway` or `bad_attribute` (transport) with a message naming the value.
 * @throws TypeError when an option is missing or out of range, naming the option.
 */
export function subscribe(topic: string, options: SubscribeOptions): Unsubscribe {
  const problem = topicProblem(topic);
  if (problem) throw new WidgetError(WidgetErrorCode.BadTopic, `topic "${String(topic)}": ${problem}`);
  if (typeof options?.onMessages !== 'function') {
    throw new TypeError('subscribe(topic, options): options.onMessages must be a function');
  }
  const { snapshot, snapshotMs, maxBuffered } = options;
  if (snapshot !== undefined && !(Number.isInteger(snapshot) && snapshot >= 0 && snapshot <= MAX_SNAPSHOT)) {
    throw new TypeError(`subscribe(topic, options): options.snapshot must be an integer from 0 to ${MAX_SNAPSHOT}, got ${String(snapshot)}`);
  }
  if (snapshotMs !== undefined && !(Number.isInteger(snapshotMs) && snapshotMs >= 1 && snapshotMs <= MAX_SNAPSHOT_MS)) {
    throw new TypeError(`subscribe(topic, options): options.snapshotMs must be an integer from 1 to ${MAX_SNAPSHOT_MS}, got ${String(snapshotMs)}`);
  }
  if (maxBuffered !== undefined && !(Number.isInteger(maxBuffered) && maxBuffered >= 1)) {
    throw new TypeError(`subscribe(topic, options): options.maxBuffered must be a positive integer, got ${String(maxBuffered)}`);
  }
  const transport = options.transport === undefined ? undefined : checkTransport('transport', options.transport);
  const { token } = options;
  if (token !== undefined && token !== null && typeof token !== 'function' && (typeof token !== 'string' || token === '')) {
    throw new TypeError(`subscribe(topic, options): options.token must be a non-empty string or a function returning a token, got ${typeof token}`);
  }
  const url = resolveGatewayUrl(options.gateway, pageBaseUrl(), SCRIPT_URL);
  const connection = connectionFor(url, transport);
  if (token !== undefined) connection.setToken?.(token);
  return connection.subscribe(topic, options);
}

/**
 * Sets the token source of the page's connection to `gateway` (default: the
 * one that served rt.js), as the `token` option of `subscribe()` does.
 */
export function setGatewayToken(gateway: string | undefined, token: TokenSource | null): void {
  connectionFor(resolveGatewayUrl(gateway, pageBaseUrl(), SCRIPT_URL)).setToken?.(token);
}
