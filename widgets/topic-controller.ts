/**
 * `TopicController` ties a Lit element to topics on the page's shared
 * connection. The element declares what it wants (topics, gateway, snapshot)
 * and renders what the controller holds; it never touches the socket.
 */
import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { DeliveryMode, ErrorFrame, GapFrame, Message } from '../protocol/index.js';
import { setGatewayToken, subscribe } from './connection/connection-manager.js';
import type { ConnectionStatus, SubscribeOptions, Unsubscribe } from './connection/listener.js';
import { emit } from './events.js';
import { WidgetError, WidgetErrorCode } from './widget-error.js';

/** What the controller subscribes to and how it hands data to its host. */
export interface TopicControllerOptions {
  /** Topics to follow, read from the host before each update. */
  topics: () => readonly string[];
  /** The host's `gateway` attribute; empty means the default gateway. */
  gateway?: () => string | null | undefined;
  /** Checks the host's other attributes; an error here is shown instead of subscribing. */
  validate?: () => WidgetError | null;
  /** False while the host cannot judge its attributes yet (their code is loading): nothing is subscribed until it is true. */
  ready?: () => boolean;
  /** Recent messages to start with, per topic (with `snapshotMs`: at most this many of the window). */
  snapshot?: () => number | undefined;
  /** Start with the messages of this many recent milliseconds, per topic (see `SubscribeOptions.snapshotMs`). */
  snapshotMs?: () => number | undefined;
  /** Most messages per second per topic (see `SubscribeOptions.maxRate`). */
  maxRate?: () => number | undefined;
  /** Delivery mode when the connection is backed up (see `SubscribeOptions.mode`). */
  mode?: () => DeliveryMode | undefined;
  /** Most messages queued per topic between two frames (older ones are dropped). */
  maxBuffered?: () => number | undefined;
  /** New messages of one topic, oldest first, at most once per animation frame. */
  onMessages?: (messages: readonly Message[], topic: string) => void;
  /** History no longer reached back far enough for one topic. */
  onGap?: (gap: GapFrame) => void;
  /**
   * The subscription is about to be replaced (new topics or gateway), or a
   * topic's history was lost on the server (without `onTopicReset`): forget
   * data kept so far.
   */
  onReset?: () => void;
  /** One topic's history was lost on the server: forget its data; a fresh snapshot follows. */
  onTopicReset?: (topic: string) => void;
}

/** What the host asks of each subscription, besides its callbacks. */
type Wants = Pick<SubscribeOptions, 'snapshot' | 'snapshotMs' | 'maxBuffered' | 'maxRate' | 'mode' | 'transport'>;

/**
 * A Lit `ReactiveController` that subscribes its host to topics while the host
 * is connected, and calls `host.requestUpdate()` when data, status or errors
 * change.
 *
 * Lifecycle: it attaches in the constructor, subscribes on the host's first
 * update after connecting (so attributes set right after `append` count), re-
 * subscribes when topics, gateway, snapshot (count or window), queue bound or
 * validity change, and releases everything on disconnect. When the host is an element it also dispatches
 * `rt-status` and `rt-error` from it.
 */
export class TopicController implements ReactiveController {
  /** State of the connection, or `idle` while not subscribed. */
  status: ConnectionStatus | 'idle' = 'idle';
  /** Why the controller is not subscribed (invalid attributes), or null. */
  problem: WidgetError | null = null;
  /** The last error the gateway reported for one of the topics, or null. */
  error: ErrorFrame | null = null;
  /** Newest message received on any of the topics. */
  latest: Message | undefined;

  private readonly host: ReactiveControllerHost;
  private readonly options: TopicControllerOptions;
  private releases: Unsubscribe[] = [];
  private token: SubscribeOptions['token'];
  private key: string | null = null;
  private connected = false;

  constructor(host: ReactiveControllerHost, options: TopicControllerOptions) {
    this.host = host;
    this.options = options;
    // There is no socket to open while rendering on a server.
    if (isServer) return;
    host.addController(this);
    watchToken(host);
  }

  hostConnected(): void {
    this.connected = true;
    // A host moved in the DOM does not update by itself; ask so hostUpdate resubscribes.
    this.host.requestUpdate();
  }

  hostUpdate(): void {
    if (this.connected) this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.release();
    this.key = null;
    this.setStatus('idle');
  }

  /** Subscribes anew when what the host asks for changed since the last update. */
  private sync(): void {
    const o = this.options;
    if (o.ready && !o.ready()) return;
    const topics = o.topics();
    const gateway = o.gateway?.() ?? '';
    const invalid = o.validate?.() ?? null;
    // An rt element's `transport` attribute (see RtElement); empty means no preference.
    const transport = (this.host as { transport?: unknown }).transport;
    const wants: Wants = {
      snapshot: o.snapshot?.(),
      snapshotMs: o.snapshotMs?.(),
      maxBuffered: o.maxBuffered?.(),
      maxRate: o.maxRate?.(),
      mode: o.mode?.(),
      transport: transport ? (transport as Wants['transport']) : undefined,
    };
    const key = JSON.stringify([topics, gateway, invalid?.message ?? null, wants.snapshot ?? null, wants.snapshotMs ?? null, wants.maxBuffered ?? null, wants.maxRate ?? null, wants.mode ?? null, wants.transport ?? null]);
    const token = this.hostToken();
    if (key === this.key) {
      // A new token (say, set after the element was added) goes to the shared connection without resubscribing.
      if (token !== this.token && this.releases.length > 0 && token !== undefined) setGatewayToken(gateway, token);
      this.token = token;
      return;
    }
    this.token = token;
    this.key = key;
    this.release();
    this.latest = undefined;
    this.error = null;
    o.onReset?.();

    let problem = invalid;
    if (!problem && topics.length === 0) problem = new WidgetError(WidgetErrorCode.MissingTopic, 'no topic given: set the topic attribute (topics for rt-chart)');
    if (!problem) {
      try {
        for (const topic of topics) this.releases.push(this.subscribeTo(topic, gateway, wants));
      } catch (error) {
        this.release();
        problem = error instanceof WidgetError ? error : new WidgetError(WidgetErrorCode.BadAttribute, String(error));
      }
    }
    this.setProblem(problem);
    if (problem) this.setStatus('idle');
  }

  /** The host element's `token` property (a string or a function) or attribute; undefined when it gives none. */
  private hostToken(): SubscribeOptions['token'] {
    const host = this.host as unknown as { token?: unknown; getAttribute?: (name: string) => string | null };
    const token = host.token ?? host.getAttribute?.('token') ?? undefined;
    return typeof token === 'function' || (typeof token === 'string' && token !== '') ? (token as SubscribeOptions['token']) : undefined;
  }

  private subscribeTo(topic: string, gateway: string, wants: Wants): Unsubscribe {
    return subscribe(topic, {
      gateway,
      token: this.hostToken(),
      ...wants,
      onMessages: (messages) => {
        this.latest = messages[messages.length - 1];
        this.options.onMessages?.(messages, topic);
        this.host.requestUpdate();
      },
      onGap: (gap) => {
        this.options.onGap?.(gap);
        this.host.requestUpdate();
      },
      // History was lost on the server: the data shown came from it, so it
      // goes; the fresh snapshot follows. An element that keeps topics apart
      // forgets only this one's.
      onReset: (reset) => {
        if (this.options.onTopicReset) this.options.onTopicReset(reset.topic);
        else {
          this.latest = undefined;
          this.options.onReset?.();
        }
        this.host.requestUpdate();
      },
      onStatus: (status) => {
        this.setStatus(status);
        // Shown in place of the data, and cleared once a new token is accepted.
        if (status === 'unauthorized') this.setProblem(new WidgetError(WidgetErrorCode.Unauthorized, 'the gateway refused the token; give the element (or configure()) a new one'));
        else if (status === 'open' && this.problem?.code === WidgetErrorCode.Unauthorized) this.setProblem(null);
      },
      onError: (error) => {
        this.error = error;
        if (error.code === 'forbidden') this.setProblem(new WidgetError(WidgetErrorCode.Forbidden, error.message));
        this.dispatch('rt-error', { code: error.code, message: error.message, topic: error.topic ?? topic });
        this.host.requestUpdate();
      },
    });
  }

  private release(): void {
    const releases = this.releases;
    this.releases = [];
    for (const release of releases) release();
  }

  private setStatus(status: ConnectionStatus | 'idle'): void {
    if (status === this.status) return;
    this.status = status;
    this.dispatch('rt-status', { status });
    this.host.requestUpdate();
  }

  private setProblem(problem: WidgetError | null): void {
    if (problem?.message === this.problem?.message) {
      this.problem = problem;
      return;
    }
    this.problem = problem;
    if (problem) {
      // The page author may never look at the widget; the console is where they debug.
      console.error(`<${this.hostName()}>: ${problem.message} (${problem.code})`);
      this.dispatch('rt-error', { code: problem.code, message: problem.message });
    }
    this.host.requestUpdate();
  }

  private hostName(): string {
    return (this.host as unknown as Partial<Element>).localName ?? 'rt';
  }

  private dispatch<K extends 'rt-status' | 'rt-error'>(name: K, detail: GlobalEventHandlersEventMap[K]['detail']): void {
    const host = this.host as unknown;
    if (host instanceof EventTarget) emit(host, name, detail);
  }
}

const TOKEN_WATCHED = Symbol.for('rt.tokenWatched');

/**
 * Gives the host a `token` property that asks for an update when set, so a
 * token assigned after the element was added (fetched, say) reaches its
 * connection. Defined on the instance, once, unless the class declares its own.
 * A change of the `token` attribute asks for an update too: the next sync
 * sends the new token on the shared connection, as for the property.
 */
function watchToken(host: ReactiveControllerHost): void {
  const target = host as unknown as Record<string | symbol, unknown>;
  if (target[TOKEN_WATCHED]) return;
  target[TOKEN_WATCHED] = true;
  if (host instanceof Element) new MutationObserver(() => host.requestUpdate()).observe(host, { attributeFilter: ['token'] });
  if (Object.getOwnPropertyDescriptor(Object.getPrototypeOf(host), 'token')) return;
  let value = target.token;
  Object.defineProperty(host, 'token', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set(next: unknown) {
      if (next === value) return;
      value = next;
      host.requestUpdate();
    },
  });
}
