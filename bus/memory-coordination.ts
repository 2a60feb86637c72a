/**
 * In-process coordination: leases and presence for processors sharing one
 * process (the same rules as the Redis engine, with the same clock: Date.now).
 */
import type { Coordination } from './coordination.js';

export class MemoryCoordination implements Coordination {
  private readonly leases = new Map<number, { owner: string; expires: number }>();
  /** Live processors and when their presence expires. */
  private readonly members = new Map<string, number>();

  async lease(partition: number, owner: string, ttlMs: number, takeOverFrom?: string): Promise<boolean> {
    const now = Date.now();
    const held = this.leases.get(partition);
    if (held && held.expires > now && held.owner !== owner && !(takeOverFrom && held.owner.startsWith(takeOverFrom))) return false;
    this.leases.set(partition, { owner, expires: now + ttlMs });
    return true;
  }

  async renewLease(partition: number, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const held = this.leases.get(partition);
    if (!held || held.expires <= now || held.owner !== owner) return false;
    held.expires = now + ttlMs;
    return true;
  }

  async releaseLease(partition: number, owner: string): Promise<void> {
    if (this.leases.get(partition)?.owner === owner) this.leases.delete(partition);
  }

  async presence(member: string, ttlMs: number): Promise<number> {
    const now = Date.now();
    for (const [name, expires] of this.members) if (expires <= now) this.members.delete(name);
    this.members.set(member, now + ttlMs);
    return this.members.size;
  }

  async leavePresence(member: string): Promise<void> {
    this.members.delete(member);
  }
}
