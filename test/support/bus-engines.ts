/**
 * The bus engines every role's contract suite runs against: the memory
 * bus, the Redis bus on a real redis-server started for the test file, and
 * the Redis bus on a real 3-master Redis Cluster started for the test file
 * (REDIS_URL naming one node; the bus detects cluster mode).
 * Each suite takes its role (`bus.ingest`, `bus.coordination`, `bus.broker`)
 * from a fresh bus per test, so no test sees another's keys.
 */
import { after, before, describe } from 'node:test';
import { MemoryBus, RedisBus, type Bus, type RetentionPolicy } from '../../bus/index.js';
import { startRedisCluster, type TestCluster } from './redis-cluster.js';
import { startRedis, type TestRedis } from './redis-server.js';

export interface BusShape {
  historyMaxLen?: number;
  partitions?: number;
  retention?: RetentionPolicy;
}

export interface EngineContext {
  /** A fresh bus of this engine, closed after the suite. */
  make(shape?: BusShape): Promise<Bus>;
  /** The redis-server URL (Redis engine only; with the Cluster engine, one node's). */
  redisUrl(): string | null;
  /** Which engine this is. */
  engine: Engine;
}

let prefixCounter = 0;

/** Declares `suite` once per engine, as `<what> on <engine>`. */
export type Engine = 'memory' | 'redis' | 'redis-cluster';

export function forEachEngine(what: string, suite: (engine: EngineContext) => void): void {
  for (const engine of ['memory', 'redis', 'redis-cluster'] as const) {
    describe(`${what} on ${engine}`, () => {
      let redis: TestRedis | TestCluster | null = null;
      const open: Bus[] = [];
      before(async () => {
        if (engine === 'redis') redis = await startRedis();
        if (engine === 'redis-cluster') redis = await startRedisCluster({ masters: 3 });
      });
      after(async () => {
        await Promise.all(open.map((b) => b.close()));
        await redis?.stop();
      });
      suite({
        async make(shape = {}) {
          let bus: Bus;
          if (engine === 'memory') {
            bus = new MemoryBus(shape);
          } else {
            const redisBus = new RedisBus({ url: redis!.url, keyPrefix: `t${++prefixCounter}`, retentionIntervalMs: 50, ...shape });
            await redisBus.connect();
            bus = redisBus;
          }
          open.push(bus);
          return bus;
        },
        redisUrl: () => redis?.url ?? null,
        engine,
      });
    });
  }
}
