/**
 * Finds a Sentinel-managed master and follows it: asks the Sentinels (each
 * in turn until one answers) `SENTINEL GET-MASTER-ADDR-BY-NAME`, listens on
 * a Sentinel for `+switch-master`, and asks again every second in case a
 * notice was missed (a Sentinel restarting, a connection dropping). The bus
 * repoints its connections when the master changes (see RedisBus).
 *
 * node-redis' createSentinel is not used: its Pub/Sub proxy resubscribes on
 * the new master without telling anyone, so what was published during the
 * failover would be missed silently, and its commands take another
 * signature than the client's. The bus needs to know about a switch.
 */
import { createClient } from 'redis';
import { nodeUrl, type RedisAddress, type RedisNodeAddress } from './redis-address.js';
import { reconnectDelay, type BusLogger } from './redis-connection.js';

type SentinelAddress = Extract<RedisAddress, { kind: 'sentinel' }>;

/** No Sentinel answered with a master for the name. */
export class SentinelUnavailableError extends Error {
  readonly code = 'redis_sentinel_unavailable';
}

const POLL_MS = 1000;

function sentinelClient(node: RedisNodeAddress) {
  // Sentinels answer few commands; a short timeout moves on to the next one.
  const client = createClient({ socket: { host: node.host, port: node.port, connectTimeout: 2000, reconnectStrategy: false }, RESP: 2 });
  client.on('error', () => {});
  return client;
}

export class SentinelWatcher {
  /** The master's URL (with the sentinel URL's scheme and credentials). */
  current = '';
  private pollTimer: NodeJS.Timeout | null = null;
  private listener: ReturnType<typeof sentinelClient> | null = null;
  private next = 0;
  private closed = false;
  private polling = false;

  constructor(
    private readonly address: SentinelAddress,
    private readonly log: BusLogger,
    private readonly onSwitch: (url: string) => void,
  ) {}

  /**
   * The master's URL, asking each Sentinel in turn, and again after a pause
   * while none knows (logged), until one answers or the watcher is closed.
   */
  async resolve(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const errors: string[] = [];
      for (let i = 0; i < this.address.sentinels.length && !this.closed; i++) {
        const node = this.address.sentinels[(this.next + i) % this.address.sentinels.length];
        try {
          const master = await this.ask(node);
          this.next = (this.next + i) % this.address.sentinels.length;
          return nodeUrl(this.address, master);
        } catch (error) {
          errors.push(`${node.host}:${node.port}: ${(error as Error).message}`);
        }
      }
      if (this.closed) throw new SentinelUnavailableError('closed');
      const delay = reconnectDelay(attempt);
      this.log.warn({ masterName: this.address.masterName, errors, retryInMs: delay }, `no Sentinel knows master "${this.address.masterName}" (${errors.join('; ')}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async ask(node: RedisNodeAddress): Promise<RedisNodeAddress> {
    const client = sentinelClient(node);
    try {
      await client.connect();
      const reply = (await client.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.address.masterName])) as [string, string] | null;
      if (!reply) throw new SentinelUnavailableError(`does not monitor a master named "${this.address.masterName}"`);
      return { host: reply[0], port: Number(reply[1]) };
    } finally {
      if (client.isOpen) await client.destroy();
    }
  }

  /** Starts following the master from `url` (its current address). */
  start(url: string): void {
    this.current = url;
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS).unref();
    void this.listen();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      this.changed(await this.resolve());
    } catch {
      // resolve() only throws once closed.
    } finally {
      this.polling = false;
    }
  }

  private changed(url: string): void {
    if (this.closed || url === this.current) return;
    this.current = url;
    this.onSwitch(url);
  }

  /** Subscribes to +switch-master on one Sentinel; moves to the next when that one drops. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const node = this.address.sentinels[this.next % this.address.sentinels.length];
    const client = sentinelClient(node);
    this.listener = client;
    const again = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      if (client.isOpen) client.destroy();
      this.next++;
      setTimeout(() => void this.listen(), POLL_MS).unref();
    };
    client.on('error', again);
    try {
      await client.connect();
      await client.subscribe('+switch-master', (message) => {
        // "<master name> <old ip> <old port> <new ip> <new port>"
        const [name, , , host, port] = message.split(' ');
        if (name === this.address.masterName) this.changed(nodeUrl(this.address, { host, port: Number(port) }));
      });
    } catch {
      again();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    const listener = this.listener;
    this.listener = null;
    if (listener?.isOpen) await listener.destroy();
  }
}
