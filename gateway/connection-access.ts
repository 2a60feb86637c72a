/**
 * What one connection may read, with tenants configured. Before a
 * successful `auth` only public topics are served; a `sub` for a private
 * topic is held until a token arrives, and the connection is closed with
 * 4401 if none arrives within the auth deadline. After `auth`, each topic is
 * checked on its own: public, or inside the token's tenant namespace and
 * granted by one of its patterns; any other gets `forbidden` while the rest
 * of the frame proceeds. Ahead of `exp` the client is warned
 * (`token_expired`); at `exp` the connection closes with 4401 unless a fresh
 * `auth` arrived, which keeps the subscriptions its grants still cover.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CloseCode,
  encodeAuthed,
  ErrorCode,
  isSystemTopic,
  matchesAny,
  type AuthFrame,
  type SubscribeFrame,
  type SubscribeTopic,
} from '../protocol/index.js';
import type { FrameError } from '../protocol/index.js';
import type { Grant } from './token-verifier.js';
import { verifyToken } from './token-verifier.js';
import { ownsTopic, type AccessPolicy, type Tenant } from './tenants.js';

/** What a ConnectionAccess needs from its session. */
export interface AccessHost {
  /** Subscribes topics already authorized. */
  subscribeAuthorized(topics: SubscribeTopic[], ref: number | undefined): void;
  /** Drops subscriptions (after a re-auth that no longer grants them). */
  dropTopics(topics: string[]): void;
  /** Topics held now. */
  heldTopics(): string[];
  sendFrame(frame: string): void;
  sendFrameError(error: FrameError): void;
  closeWith(code: number, reason: string): void;
}

/** Tenant bookkeeping shared by a gateway's connections (counts and refusals). */
export interface TenantLedger {
  /** Binds the connection to a tenant; false when the tenant is at its connection limit. */
  claim(tenant: Tenant): boolean;
  release(tenant: Tenant): void;
  /** Adds a closed connection's messages to its tenant's total. */
  sent(tenant: Tenant, messages: number): void;
  refused(reason: RefusalReason, tenant?: Tenant): void;
}

export type RefusalReason = 'origin' | 'auth' | 'forbidden' | 'instance_limit' | 'address_limit' | 'tenant_limit' | 'rate_limited';

const MAX_PENDING = 1000;
/** Longest delay setTimeout takes; longer ones would fire at once. */
const MAX_DELAY = 2 ** 31 - 1;
/** What a connection's clock entry is due for (ConnectionAccess.dueKind). */
const DUE_NONE = 0;
const DUE_AUTH_DEADLINE = 1;
const DUE_EXPIRY_WARNING = 2;
const DUE_EXPIRY = 3;
/** Where the first auth frame's verification is chained. */
const SETTLED: Promise<void> = Promise.resolve();

function fire(clock: AccessClock): void {
  clock.fire();
}

/**
 * One timer for the auth deadlines, expiry warnings and expiries of all the
 * connections of a gateway: each connection with something due is in a
 * min-heap by its due time (`ConnectionAccess.dueAt`, its index in
 * `clockSlot`), and the timer is set for the earliest. A connection costs
 * two fields here instead of two Timeouts with their closures and timer
 * lists (idle connections are most of a gateway's memory).
 */
export class AccessClock {
  private readonly heap: ConnectionAccess[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  /** Calls `access.due()` at `at` (ms since the epoch) instead of whatever it was due for. */
  schedule(access: ConnectionAccess, at: number): void {
    access.dueAt = at;
    if (access.clockSlot < 0) access.clockSlot = this.heap.push(access) - 1;
    this.up(access.clockSlot);
    this.down(access.clockSlot);
    this.arm();
  }

  /** Takes `access` off the clock. */
  cancel(access: ConnectionAccess): void {
    const slot = access.clockSlot;
    if (slot < 0) return;
    access.clockSlot = -1;
    const last = this.heap.pop()!;
    if (last !== access) {
      this.heap[slot] = last;
      last.clockSlot = slot;
      this.up(slot);
      this.down(slot);
    }
    if (this.heap.length === 0) this.arm();
  }

  /** Connections waiting for something due (for tests). */
  get size(): number {
    return this.heap.length;
  }

  /** The timer fired: everything due runs (and may schedule its next step). */
  fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && this.heap[0].dueAt <= now) {
      const access = this.heap[0];
      this.cancel(access);
      access.due();
    }
    this.arm();
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer !== null && this.timerAt <= first.dueAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.min(MAX_DELAY, Math.max(0, first.dueAt - Date.now()));
    this.timerAt = delay === MAX_DELAY ? Date.now() + delay : first.dueAt;
    this.timer = setTimeout(fire, delay, this);
  }

  private up(slot: number): void {
    const heap = this.heap;
    const access = heap[slot];
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (heap[parent].dueAt <= access.dueAt) break;
      heap[slot] = heap[parent];
      heap[slot].clockSlot = slot;
      slot = parent;
    }
    heap[slot] = access;
    access.clockSlot = slot;
  }

  private down(slot: number): void {
    const heap = this.heap;
    const access = heap[slot];
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && heap[child + 1].dueAt < heap[child].dueAt) child++;
      if (heap[child].dueAt >= access.dueAt) break;
      heap[slot] = heap[child];
      heap[slot].clockSlot = slot;
      slot = child;
    }
    heap[slot] = access;
    access.clockSlot = slot;
  }
}

export class ConnectionAccess {
  /** The tenant this connection belongs to (set by its token, or by the origin for one tenant). */
  tenant: Tenant | null;
  /** Messages sent on this connection (for per-tenant totals on /metrics). */
  messagesOut = 0;
  /** Authenticated with an admin token: may read `$sys.…` topics. */
  private admin = false;
  private grant: Grant | null = null;
  /** `sub` frames held until a token arrives (null when none). */
  private pending: { topics: SubscribeTopic[]; ref: number | undefined }[] | null = null;
  private pendingCount = 0;
  private closed = false;
  /** Serializes auth frames so a slow verification cannot overtake a later one (null when none is in flight). */
  private chain: Promise<void> | null = null;
  /** When the clock calls `due` (ms since the epoch), and what for (a DUE_ constant; DUE_NONE when off the clock). */
  dueAt = 0;
  private dueKind = DUE_NONE;
  /** Index in the clock's heap; -1 when off it. */
  clockSlot = -1;

  constructor(
    private readonly policy: AccessPolicy,
    /** Tenants the connection's origin may act for. */
    private readonly candidates: readonly Tenant[],
    /** Tenant bound at the upgrade (counted in the ledger already), if the origin named one. */
    bound: Tenant | null,
    private readonly host: AccessHost,
    private readonly ledger: TenantLedger,
    /** Runs the connection's auth deadline and token expiry (one for the gateway). */
    private readonly clock: AccessClock,
    /** Called when an `auth` binds the connection to a tenant the upgrade did not name (a shared function: no closure per connection). */
    private readonly onBound: (tenant: Tenant, host: AccessHost) => void = () => {},
  ) {
    this.tenant = bound;
  }

  /** Splits a `sub` frame: returns the topics to subscribe now; refuses or holds the rest. */
  admit(frame: SubscribeFrame): SubscribeTopic[] {
    const now: SubscribeTopic[] = [];
    const held: SubscribeTopic[] = [];
    for (const request of frame.topics) {
      const verdict = this.check(request.topic);
      if (verdict === 'allow') now.push(request);
      else if (verdict === 'forbid') this.forbid(request.topic, frame.ref);
      else held.push(request);
    }
    if (held.length > 0) {
      if (this.pendingCount + held.length > MAX_PENDING) {
        for (const r of held) this.forbid(r.topic, frame.ref);
      } else {
        (this.pending ??= []).push({ topics: held, ref: frame.ref });
        this.pendingCount += held.length;
        // Topics are held only before a grant: nothing else can be due yet.
        if (this.dueKind === DUE_NONE) this.setDue(DUE_AUTH_DEADLINE, Date.now() + this.policy.auth.authTimeoutMs);
      }
    }
    const limit = (this.grant?.tenant ?? this.tenant)?.limits.subscriptions;
    if (limit !== undefined && now.length > 0) {
      const held = new Set(this.host.heldTopics());
      const adding = now.filter((t) => !held.has(t.topic)).length;
      if (held.size + adding > limit) {
        this.host.sendFrameError({
          code: ErrorCode.TooManySubscriptions,
          message: `this frame would hold ${held.size + adding} topics; at most ${limit} per connection for this tenant`,
          ref: frame.ref,
        });
        return [];
      }
    }
    return now;
  }

  /** Handles an `auth` frame. */
  authenticate(frame: AuthFrame): void {
    const next = (this.chain ?? SETTLED).then(() => this.verify(frame));
    this.chain = next;
    void next.then(() => {
      if (this.chain === next) this.chain = null;
    });
  }

  /** Stops timers; called when the connection closes. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tenant) this.ledger.sent(this.tenant, this.messagesOut);
    this.clock.cancel(this);
    this.dueKind = DUE_NONE;
    if (this.tenant) this.ledger.release(this.tenant);
    this.tenant = null;
  }

  private check(topic: string): 'allow' | 'forbid' | 'hold' {
    if (isSystemTopic(topic)) return this.admin ? 'allow' : this.grant || this.policy.adminTokens.length === 0 ? 'forbid' : 'hold';
    for (const t of this.candidates) if (matchesAny(t.publicTopics, topic)) return 'allow';
    if (this.grant) {
      return ownsTopic(this.grant.tenant, topic) && matchesAny(this.grant.grants, topic) ? 'allow' : 'forbid';
    }
    if (this.admin) return 'forbid';
    // No token yet: a topic that no allowed tenant owns can never be granted.
    return this.candidates.some((t) => ownsTopic(t, topic)) ? 'hold' : 'forbid';
  }

  private forbid(topic: string, ref: number | undefined): void {
    this.ledger.refused('forbidden', this.grant?.tenant ?? this.tenant ?? undefined);
    const error: FrameError = { code: ErrorCode.Forbidden, message: `topic "${topic}" is not public and not granted by this connection's token`, topic };
    if (ref !== undefined) error.ref = ref;
    this.host.sendFrameError(error);
  }

  private unauthorized(reason: string): void {
    if (this.closed) return;
    this.ledger.refused('auth', this.tenant ?? undefined);
    this.host.sendFrameError({ code: ErrorCode.Unauthorized, message: reason });
    this.host.closeWith(CloseCode.Unauthorized, reason);
    this.dispose();
  }

  /** True when `token` is one of the config's admin tokens (compared as SHA-256 digests in constant time). */
  private isAdminToken(token: string): boolean {
    if (this.policy.adminTokens.length === 0) return false;
    const digest = createHash('sha256').update(token).digest();
    let found = false;
    for (const hash of this.policy.adminTokens) if (timingSafeEqual(hash, digest)) found = true;
    return found;
  }

  private async verify(frame: AuthFrame): Promise<void> {
    if (this.closed) return;
    if (this.isAdminToken(frame.token)) {
      if (this.grant) return this.unauthorized('an admin token cannot replace a tenant token on one connection');
      this.admin = true;
      this.clock.cancel(this);
      this.dueKind = DUE_NONE;
      this.host.sendFrame(encodeAuthed(frame.ref === undefined ? { admin: true } : { ref: frame.ref, admin: true }));
      this.admitPending();
      return;
    }
    if (this.admin) return this.unauthorized('a tenant token cannot replace an admin token on one connection');
    const verdict = await verifyToken(frame.token, this.policy, this.candidates);
    if (this.closed) return;
    if (!verdict.ok) return this.unauthorized(verdict.reason);
    const { grant } = verdict;
    if (this.tenant && this.tenant !== grant.tenant) return this.unauthorized('token names another tenant than this connection\'s');
    if (!this.tenant) {
      if (!this.ledger.claim(grant.tenant)) {
        this.ledger.refused('tenant_limit', grant.tenant);
        this.host.sendFrameError({ code: ErrorCode.RateLimited, message: `tenant "${grant.tenant.id}" is at its connection limit` });
        this.host.closeWith(CloseCode.RateLimited, 'tenant connection limit');
        this.dispose();
        return;
      }
      this.tenant = grant.tenant;
      this.onBound(grant.tenant, this.host);
    }
    this.grant = grant;
    // Replaces the auth deadline, or the previous token's warning or expiry.
    this.setDue(DUE_EXPIRY_WARNING, Math.max(Date.now(), grant.exp * 1000 - this.policy.auth.expiryWarningMs));
    this.host.sendFrame(encodeAuthed(frame.ref === undefined ? { tenant: grant.tenant.id, exp: grant.exp } : { ref: frame.ref, tenant: grant.tenant.id, exp: grant.exp }));
    // A re-auth may grant less: drop what the new token no longer covers.
    const lost = this.host.heldTopics().filter((t) => this.check(t) !== 'allow');
    if (lost.length > 0) {
      this.host.dropTopics(lost);
      for (const topic of lost) this.forbid(topic, frame.ref);
    }
    this.admitPending();
  }

  private admitPending(): void {
    const pending = this.pending;
    this.pending = null;
    this.pendingCount = 0;
    if (pending === null) return;
    for (const { topics, ref } of pending) {
      const now = this.admit({ op: 'sub', topics, ref });
      if (now.length > 0) this.host.subscribeAuthorized(now, ref);
    }
  }

  /** Puts the connection on the clock: `kind` is due at `at` (instead of whatever was due). */
  private setDue(kind: number, at: number): void {
    this.dueKind = kind;
    this.clock.schedule(this, at);
  }

  /**
   * Called by the clock when the connection's time is up: no token within
   * the auth deadline; the token expires soon (warned ahead of `exp`, then
   * its expiry is due); the token expired (closed with 4401 unless a fresh
   * `auth` replaced it meanwhile).
   */
  due(): void {
    const what = this.dueKind;
    this.dueKind = DUE_NONE;
    if (this.closed) return;
    if (what === DUE_AUTH_DEADLINE) this.unauthorized('no valid token within the auth deadline');
    else if (what === DUE_EXPIRY_WARNING && this.grant) {
      const { exp } = this.grant;
      this.host.sendFrameError({ code: ErrorCode.TokenExpired, message: `token expires at ${new Date(exp * 1000).toISOString()}; send a fresh auth frame to keep this connection` });
      this.setDue(DUE_EXPIRY, exp * 1000 + this.policy.auth.clockToleranceSec * 1000);
    } else if (what === DUE_EXPIRY) this.unauthorized('token expired');
  }
}
