/**
 * Coordination on Redis: a lease is a key with a TTL naming its owner, and
 * presence is a sorted set of processors scored by when they expire (by the
 * Redis server's clock). Each step is one Lua script, so it is atomic.
 */
import type { Coordination } from './coordination.js';
import type { KeyNames } from './keys.js';
import type { RedisLink } from './redis-connection.js';
import { LEASE, PRESENCE, RELEASE, RENEW, runScript } from './redis-scripts.js';

export class RedisCoordination implements Coordination {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeyNames,
  ) {}

  async lease(partition: number, owner: string, ttlMs: number, takeOverFrom?: string): Promise<boolean> {
    return (await runScript(this.link.commands, LEASE, [this.keys.lease(partition)], [owner, String(ttlMs), takeOverFrom ?? ''])) === 1;
  }

  async renewLease(partition: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await runScript(this.link.commands, RENEW, [this.keys.lease(partition)], [owner, String(ttlMs)])) === 1;
  }

  async releaseLease(partition: number, owner: string): Promise<void> {
    await runScript(this.link.commands, RELEASE, [this.keys.lease(partition)], [owner]);
  }

  async presence(member: string, ttlMs: number): Promise<number> {
    return (await runScript(this.link.commands, PRESENCE, [this.keys.processors()], [member, String(ttlMs)])) as number;
  }

  async leavePresence(member: string): Promise<void> {
    await this.link.commands.sendCommand(['ZREM', this.keys.processors(), member]);
  }
}
