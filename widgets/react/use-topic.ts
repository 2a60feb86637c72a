/**
 * `useTopic(topic)`: the latest message of an rt topic as React state, on the
 * page's one shared socket (the same one the `<rt-*>` elements use).
 *
 * The hand-written pattern (a store, a subscription in an effect, setState on
 * every message) re-renders once per message; this one goes through
 * `useSyncExternalStore`, so React sees one consistent snapshot per frame
 * (the connection batches messages per animation frame) and concurrent
 * rendering never tears.
 *
 * ```tsx
 * import { useTopic } from 'rt-dashboard/react';
 * function Orders() {
 *   const { message, status } = useTopic('shop.orders');
 *   return <p>{status === 'open' ? message?.value ?? '—' : status}</p>;
 * }
 * ```
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { ErrorFrame, Message } from '../../protocol/index.js';
import { subscribe } from '../connection/connection-manager.js';
import type { ConnectionStatus } from '../connection/listener.js';

/** What {@link useTopic} returns: one immutable snapshot, replaced when anything changes. */
export interface TopicState {
  /** The newest message of the topic, or undefined before the first one. */
  message: Message | undefined;
  /** State of the shared socket to the gateway. */
  status: ConnectionStatus;
  /** The gateway's refusal of this topic (bad topic, not authorized, limits), if any. */
  error: ErrorFrame | undefined;
}

/** Options of {@link useTopic}. */
export interface UseTopicOptions {
  /** Gateway to use (ws(s):// or http(s):// URL); defaults to `/ws` on the host that served the script. */
  gateway?: string;
}

const INITIAL: TopicState = { message: undefined, status: 'connecting', error: undefined };

/** One subscription's current snapshot and the React callback to tell of changes. */
function createTopicStore(topic: string, gateway: string | undefined) {
  let state = INITIAL;
  return {
    subscribe(notify: () => void): () => void {
      const set = (next: Partial<TopicState>): void => {
        state = { ...state, ...next };
        notify();
      };
      return subscribe(topic, {
        gateway,
        snapshot: 1,
        maxBuffered: 1,
        onMessages: (messages) => set({ message: messages[messages.length - 1], error: undefined }),
        onStatus: (status) => set({ status }),
        onError: (error) => set({ error }),
      });
    },
    getSnapshot: (): TopicState => state,
  };
}

/**
 * Subscribes the component to `topic` for as long as it is mounted and
 * returns the topic's latest message and the connection status. Changing
 * `topic` or `options.gateway` resubscribes. On the server (SSR) it returns
 * the initial state: `{ message: undefined, status: 'connecting' }`.
 */
export function useTopic(topic: string, options: UseTopicOptions = {}): TopicState {
  const store = useMemo(() => createTopicStore(topic, options.gateway), [topic, options.gateway]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => INITIAL);
}
