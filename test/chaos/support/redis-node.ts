/**
 * A real redis-server for fault tests: killed with SIGKILL and restarted on
 * the same port and data directory, with AOF (`appendfsync always`: every
 * acknowledged write is on disk before Redis answers) or without any
 * persistence (a restart comes back empty). Started by the tests' own
 * `startRedis`.
 */
import { startRedis, type TestRedis } from '../../support/redis-server.js';

export type Persistence = 'aof' | 'none';

export class RedisNode {
  private constructor(
    private server: TestRedis,
    readonly persistence: Persistence,
  ) {}

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number | undefined {
    return this.server.process.pid;
  }

  static async start(persistence: Persistence): Promise<RedisNode> {
    return new RedisNode(await startRedis({ aof: persistence === 'aof' }), persistence);
  }

  /** SIGKILL: no shutdown save, no goodbye to clients. */
  kill(): Promise<void> {
    return this.server.kill();
  }

  /** Starts again on the same port and directory (AOF is replayed when on). */
  async restart(): Promise<void> {
    await this.server.kill();
    this.server = await startRedis({ aof: this.persistence === 'aof', port: this.server.port, dir: this.server.dir });
  }

  /** Stops it (SIGKILL: nothing to save) and removes its directory. */
  async stop(): Promise<void> {
    await this.server.kill();
    await this.server.stop();
  }
}
