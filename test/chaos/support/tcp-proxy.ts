/**
 * A TCP proxy between clients and a gateway that can fail the network in
 * the two ways that matter: drop every connection (both ends see a reset),
 * or blackhole (stop forwarding in both directions without closing
 * anything, like a dead NAT entry or a pulled cable: only a liveness check
 * can notice). New connections made while blackholed hang too; `heal()`
 * lets new connections through again (blackholed ones stay dead, their
 * byte streams having lost data).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../support/free-port.js';

interface Pair {
  client: Socket;
  upstream?: Socket;
  dead: boolean;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private blackholed = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    let proxy!: TcpProxy;
    const server = createServer((client) => proxy.accept(client, targetPort));
    proxy = new TcpProxy(server, port);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Open proxied connections (blackholed ones included). */
  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: Socket, targetPort: number): void {
    const pair: Pair = { client, dead: this.blackholed };
    this.pairs.add(pair);
    const forget = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', forget);
    client.on('close', forget);
    client.on('data', (chunk) => {
      if (!pair.dead) pair.upstream?.write(chunk); // blackholed: swallowed, the far end never hears
    });
    if (pair.dead) return;
    const upstream = connect(targetPort, '127.0.0.1');
    pair.upstream = upstream;
    const upstreamGone = (): void => {
      // Through a blackhole not even a close gets across: the client keeps its dead socket.
      if (pair.dead) upstream.destroy();
      else forget();
    };
    upstream.on('error', upstreamGone);
    upstream.on('close', upstreamGone);
    upstream.on('data', (chunk) => {
      if (!pair.dead) client.write(chunk);
    });
  }

  /** Resets every open connection. */
  dropAll(): void {
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream?.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** Stops forwarding on every connection, present and future, closing none. */
  blackhole(): void {
    this.blackholed = true;
    for (const pair of this.pairs) pair.dead = true;
  }

  /** New connections are forwarded again. */
  heal(): void {
    this.blackholed = false;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
