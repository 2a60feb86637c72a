/**
 * The widgets' real connection manager (browser code) loaded into Node, so
 * a storm of thousands of "pages" runs the very reconnect logic browsers
 * run. widgets/ is compiled for the browser only, so the module is bundled
 * on first use with esbuild (platform neutral: it uses no DOM API on the
 * WebSocket path) and sockets come from `ws`, whose WebSocket has the
 * browser's `onmessage`/`onclose`/`readyState`/`send`/`close` shape.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import WebSocket from 'ws';

/**
 * The parts of widgets/connection/ the Node harnesses use, declared here
 * because Node code is not compiled against browser code (see above).
 */
export interface ConnectionModule {
  Connection: new (url: string, options: Record<string, unknown>) => {
    readonly status: string;
    subscribe(topic: string, listener: NodeTopicListener): () => void;
  };
  FrameScheduler: new (requestFrame: (callback: () => void) => unknown) => object;
}

/** A listener as widgets/connection/listener.ts defines it, as much as Node harnesses use. */
export interface NodeTopicListener {
  onMessages(messages: readonly { topic: string; id: string; value?: number; data?: unknown }[]): void;
  onStatus?(status: string): void;
  onGap?(gap: unknown): void;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let loaded: Promise<ConnectionModule> | null = null;

/** The connection module (widgets/connection/index.ts), bundled for Node once per process. */
export function loadConnectionModule(): Promise<ConnectionModule> {
  loaded ??= (async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'widgets/connection/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const dir = mkdtempSync(join(tmpdir(), 'rt-connection-'));
    const file = join(dir, 'connection.mjs');
    writeFileSync(file, result.outputFiles[0].text);
    try {
      return (await import(pathToFileURL(file).href)) as ConnectionModule;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return loaded;
}

/** Opens a `ws` WebSocket shaped like the browser's (no compression, as browsers to rt). */
export function nodeWebSocket(url: string): globalThis.WebSocket {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  // A browser reports a failed connection with an event and a close; `ws` would throw without a listener.
  socket.on('error', () => undefined);
  return socket as unknown as globalThis.WebSocket;
}
