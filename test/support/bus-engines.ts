/**
 * The two bus engines every role's contract suite runs against: the memory
 * bus, and the Redis bus on a real redis-server started for the test file.
 * Each suite takes its role (`bus.ingest`, `bus.coordination`, `bus.broker`)
 * from a fresh bus per test, so no test sees another's keys.
 */
import { after, before, describe } from 'node:test';
import { MemoryBus, RedisBus, type Bus, type RetentionPolicy } from '../../bus/index.js';
import { startRedis, type TestRedis } from './redis-server.js';

export interface BusShape {
  historyMaxLen?: number;
  partitions?: number;
  retention?: RetentionPolicy;
}

export interface EngineContext {
  /** A fresh bus of this engine, closed after the suite. */
  make(shape?: BusShape): Promise<Bus>;
  /** The redis-server URL (Redis engine only). */
  redisUrl(): string | null;
}

let prefixCounter = 0;

/** Declares `suite` once per engine, as `<what> on <engine>`. */
export function forEachEngine(what: string, suite: (engine: EngineContext) => void): void {
  for (const engine of ['memory', 'redis'] as const) {
    describe(`${what} on ${engine}`, () => {
      let redis: TestRedis | null = null;
      const open: Bus[] = [];
      before(async () => {
        if (engine === 'redis') redis = await startRedis();
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
      });
    });
  }
}
