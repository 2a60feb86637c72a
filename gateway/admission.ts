/**
 * Who may open a WebSocket, decided at the HTTP upgrade before any
 * WebSocket exists: the origin check (per tenant with a config, the
 * RT_ALLOWED_ORIGINS list in development mode), then the connection limits
 * of the instance (503), the client address (429; the tenant's own limit for
 * a connection the upgrade binds to a tenant) and the tenant (429).
 * Also the ledger of open connections per tenant and of refusals by reason,
 * read by /metrics.
 */
import type { IncomingMessage } from 'node:http';
import type { RefusalReason, TenantLedger } from './connection-access.js';
import { tenantsForOrigin, type AccessPolicy, type InstanceLimits, type Tenant } from './tenants.js';

/** A connection admitted at the upgrade; `release` when it closes. */
export interface Ticket {
  address: string;
  /** Tenants the origin may act for (empty in development mode). */
  candidates: readonly Tenant[];
  /** The tenant bound already (by `?tenant=` or an origin only one tenant lists). */
  bound: Tenant | null;
  release(): void;
}

/** Most origins whose tenants are kept (see Admission.tenantsFor). */
const ORIGINS_CACHED = 256;

/** No tenants: development mode's candidates, shared by every connection. */
const NO_TENANTS: readonly Tenant[] = Object.freeze([]);

/**
 * A ticket as a plain object of a class: no closure and context per
 * connection (it lives as long as the connection, and idle connections are
 * most of a gateway's memory).
 */
class AdmissionTicket implements Ticket {
  private released = false;

  constructor(
    readonly address: string,
    readonly candidates: readonly Tenant[],
    readonly bound: Tenant | null,
    private readonly admission: Admission,
    /** The per-address counts this connection was counted in (the instance's, or its bound tenant's). */
    private readonly perAddress: Map<string, number>,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.admission.left(this.perAddress, this.address);
  }
}

export type AdmissionResult = { ok: true; ticket: Ticket } | { ok: false; status: 403 | 429 | 503; reason: RefusalReason; message: string };

/** Per-tenant numbers for /metrics and the tenant's connection limits. */
export interface TenantCounters {
  connections: number;
  /** Connections bound to the tenant at the upgrade, per client address (its `connectionsPerAddress`). */
  perAddress: Map<string, number>;
  /** Messages sent on the tenant's connections that have closed (open ones are added at scrape time). */
  messagesOutClosed: number;
  refusals: Map<RefusalReason, number>;
}

export interface AdmissionOptions {
  policy: AccessPolicy | null;
  limits: InstanceLimits;
  /** Development-mode origin allowlist; `*` allows any. */
  allowedOrigins: readonly string[];
  /** Take the client address from the last X-Forwarded-For entry (behind a trusted proxy). */
  trustForwardedFor?: boolean;
}

export class Admission implements TenantLedger {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  readonly perTenant = new Map<string, TenantCounters>();
  /** Refusals by reason, all tenants (and none) together. */
  readonly refusals = new Map<RefusalReason, number>();

  /** Tenants per origin under the current policy, shared by the connections from that origin (bounded: origins are the client's to choose). */
  private readonly byOrigin = new Map<string | undefined, readonly Tenant[]>();

  constructor(private options: AdmissionOptions) {}

  /** Applies a reloaded policy and limits; open connections keep their tenant. */
  update(options: AdmissionOptions): void {
    this.options = options;
    this.byOrigin.clear();
  }

  private tenantsFor(origin: string | undefined): readonly Tenant[] {
    let tenants = this.byOrigin.get(origin);
    if (tenants === undefined) {
      if (this.byOrigin.size >= ORIGINS_CACHED) this.byOrigin.clear();
      tenants = Object.freeze(tenantsForOrigin(this.options.policy!, origin));
      this.byOrigin.set(origin, tenants);
    }
    return tenants;
  }

  get connections(): number {
    return this.total;
  }

  admit(req: IncomingMessage): AdmissionResult {
    const { policy, limits } = this.options;
    const origin = req.headers.origin;
    let candidates: readonly Tenant[] = NO_TENANTS;
    let bound: Tenant | null = null;
    if (policy) {
      candidates = this.tenantsFor(origin);
      const named = new URL(req.url ?? '/', 'http://x').searchParams.get('tenant');
      if (named !== null) {
        const tenant = candidates.find((t) => t.id === named);
        if (!tenant) return this.refuse(403, 'origin', `origin not allowed for tenant "${named.slice(0, 64)}"`);
        candidates = [tenant];
        bound = tenant;
      } else if (origin !== undefined && candidates.length === 1 && candidates[0].origins !== '*') {
        bound = candidates[0];
      }
      // The gateway's own pages (/admin) come from its own origin: no tenant, only an admin token can do anything there.
      if (candidates.length === 0 && !(origin !== undefined && policy.adminTokens.length > 0 && sameHost(origin, req.headers.host))) {
        return this.refuse(403, 'origin', 'origin not allowed');
      }
    } else if (!this.options.allowedOrigins.includes('*') && origin !== undefined && !this.options.allowedOrigins.includes(origin)) {
      // Non-browser clients send no Origin; cross-site hijacking needs a browser, which always sends one.
      return this.refuse(403, 'origin', 'origin not allowed');
    }
    if (this.total >= limits.instanceConnections) return this.refuse(503, 'instance_limit', 'this gateway is at its connection limit; try another instance or later');
    const address = this.addressOf(req);
    // A connection the upgrade binds to a tenant counts against that tenant's per-address limit, apart from the address' other connections.
    const perAddress = bound ? this.countersOf(bound.id).perAddress : this.perAddress;
    const addressLimit = bound ? bound.limits.connectionsPerAddress : limits.connectionsPerAddress;
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= addressLimit) return this.refuse(429, 'address_limit', `at most ${addressLimit} connections per client address${bound ? ` for tenant "${bound.id}"` : ''}`, bound ?? undefined);
    if (bound && !this.claim(bound)) return this.refuse(429, 'tenant_limit', `tenant "${bound.id}" is at its connection limit`, bound);
    this.total++;
    perAddress.set(address, fromAddress + 1);
    return { ok: true, ticket: new AdmissionTicket(address, candidates, bound, this, perAddress) };
  }

  /** A ticket was released: its connection no longer counts (see AdmissionTicket). */
  left(perAddress: Map<string, number>, address: string): void {
    this.total--;
    const n = (perAddress.get(address) ?? 1) - 1;
    if (n <= 0) perAddress.delete(address);
    else perAddress.set(address, n);
  }

  claim(tenant: Tenant): boolean {
    const counters = this.countersOf(tenant.id);
    if (tenant.limits.connections !== null && counters.connections >= tenant.limits.connections) return false;
    counters.connections++;
    return true;
  }

  release(tenant: Tenant): void {
    this.countersOf(tenant.id).connections--;
  }

  sent(tenant: Tenant, messages: number): void {
    this.countersOf(tenant.id).messagesOutClosed += messages;
  }

  refused(reason: RefusalReason, tenant?: Tenant): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
    if (tenant) {
      const r = this.countersOf(tenant.id).refusals;
      r.set(reason, (r.get(reason) ?? 0) + 1);
    }
  }

  private countersOf(id: string): TenantCounters {
    let c = this.perTenant.get(id);
    if (!c) this.perTenant.set(id, (c = { connections: 0, perAddress: new Map(), messagesOutClosed: 0, refusals: new Map() }));
    return c;
  }

  private refuse(status: 403 | 429 | 503, reason: RefusalReason, message: string, tenant?: Tenant): AdmissionResult {
    this.refused(reason, tenant);
    return { ok: false, status, reason, message };
  }

  private addressOf(req: IncomingMessage): string {
    if (this.options.trustForwardedFor) {
      const header = req.headers['x-forwarded-for'];
      const last = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').pop()?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
