/**
 * A whole rt deployment of real processes for one chaos scenario: a
 * redis-server, an ingest, processors and gateways (each its own `rt`
 * process on its own port), with peak RSS sampled for each role.
 */
import { RedisNode, type Persistence } from './redis-node.js';
import { RssSampler } from './rss-sampler.js';
import { RtService } from './rt-service.js';

/** What the rt processes use as Redis: one RedisNode by default, or another deployment (Sentinel, Cluster). */
export interface RedisBackend {
  url: string;
  /** Pids to sample RSS from under the name "redis". */
  pids: number[];
  stop(): Promise<void>;
}

export interface StackOptions {
  persistence?: Persistence;
  /** Another Redis deployment instead of one RedisNode (then `stack.redis` is not usable). */
  backend?: RedisBackend;
  processors?: number;
  gateways?: number;
  /** Extra environment for every rt process. */
  env?: Record<string, string>;
}

export class Stack {
  readonly rss = new RssSampler();
  ingest!: RtService;
  readonly processors: RtService[] = [];
  readonly gateways: RtService[] = [];
  private constructor(
    readonly redis: RedisNode,
    private readonly backend: RedisBackend,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    let stack: Stack;
    if (options.backend) {
      stack = new Stack(null as unknown as RedisNode, options.backend);
      for (const pid of options.backend.pids) stack.rss.watch('redis', pid);
    } else {
      const node = await RedisNode.start(options.persistence ?? 'none');
      stack = new Stack(node, { url: node.url, pids: [], stop: () => node.stop() });
      stack.rss.watch('redis', node.pid);
    }
    try {
      const env = stack.env(options.env);
      const starts: Promise<void>[] = [];
      starts.push(RtService.start('ingest', env, stack.rss).then((s) => void (stack.ingest = s)));
      for (let i = 0; i < (options.processors ?? 1); i++) starts.push(RtService.start('processor', env, stack.rss).then((s) => void stack.processors.push(s)));
      for (let i = 0; i < (options.gateways ?? 1); i++) starts.push(RtService.start('gateway', env, stack.rss).then((s) => void stack.gateways.push(s)));
      await Promise.all(starts);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  private env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: this.backend.url,
      RT_PARTITIONS: '2',
      // Fast failover and fast detection of dead sockets: the suite must finish in CI time.
      RT_LEASE_TTL_MS: '1000',
      RT_HEARTBEAT_MS: '1000',
      ...extra,
    };
  }

  /** Every rt service, for cleanup and RSS. */
  get services(): RtService[] {
    return [this.ingest, ...this.processors, ...this.gateways].filter(Boolean);
  }

  async stop(): Promise<void> {
    this.rss.stop();
    await Promise.all(this.services.map((s) => s.kill()));
    await this.backend.stop();
  }
}
