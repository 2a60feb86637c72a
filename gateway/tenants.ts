/**
 * The tenant model shared by gateway and ingest, compiled from the config
 * file's `tenants`, `limits` and `auth` sections (bin/tenants-section.ts).
 * No `tenants` section means development mode: no AccessPolicy at all.
 */
import type { KeyObject } from 'node:crypto';
import type { TopicPattern } from '../protocol/index.js';

/** Algorithms a token key may use. */
export type TokenAlg = 'HS256' | 'ES256' | 'RS256';

/** One token verification key of a tenant. */
export interface TokenKey {
  kid: string;
  alg: TokenAlg;
  /** Secret (HS256) or public key (ES256, RS256). */
  key: KeyObject;
}

/** Limits that can be set globally and overridden per tenant. */
export interface TenantLimits {
  /** Open WebSocket connections of the tenant, across this instance (null = no limit). */
  connections: number | null;
  /** Client frames per second per connection (token bucket refill). */
  framesPerSecond: number;
  /** Token bucket size: frames a connection may send at once. */
  frameBurst: number;
  /** Topics one connection may hold. */
  subscriptions: number;
  /** Ingest requests per second per ingest key (null = no limit). */
  ingestPerSecond: number | null;
  /** Ingest requests one key may send at once. */
  ingestBurst: number;
  /**
   * Open WebSocket (and SSE) connections from one client address. A
   * tenant's own value applies to connections the upgrade binds to it (by
   * origin or `?tenant=`), counted apart from other connections of that address.
   */
  connectionsPerAddress: number;
  /**
   * HTTP: time to receive an ingest request's body once its key named the
   * tenant, in ms; at most the instance's `requestTimeoutMs`, which bounds
   * every request before its key is read (null = the instance's value only).
   */
  requestTimeoutMs: number | null;
}

/** Limits of the whole instance, and the defaults of every tenant. */
export interface InstanceLimits extends TenantLimits {
  /** Open WebSocket connections of this instance (global only). */
  instanceConnections: number;
  /** HTTP: time to receive a request's headers (global only: no tenant is known before the headers). */
  headersTimeoutMs: number;
  /** HTTP: time to receive a whole request; bounds every request, whatever its tenant. */
  requestTimeoutMs: number;
  /** HTTP: how long an idle keep-alive connection stays open (global only: one connection may carry requests of several tenants). */
  keepAliveTimeoutMs: number;
}

export interface Tenant {
  id: string;
  /** The namespace the tenant owns: a prefix such as "acme.". */
  topics: string;
  /** Exact origins allowed to open /ws for this tenant, or "*" for any. */
  origins: '*' | readonly string[];
  /** Topics anyone may read without a token. */
  publicTopics: readonly TopicPattern[];
  keys: ReadonlyMap<string, TokenKey>;
  /** SHA-256 digests of the tenant's ingest keys. */
  ingestKeys: readonly Buffer[];
  limits: TenantLimits;
}

/** Settings of token checks. */
export interface AuthSettings {
  /** Clock skew tolerated on exp, nbf and iat, in seconds. */
  clockToleranceSec: number;
  /** How long a connection that wants private topics may go without a valid token. */
  authTimeoutMs: number;
  /** How long before `exp` the gateway sends `token_expired`. */
  expiryWarningMs: number;
}

/** Everything the gateway and ingest need to decide who may do what. */
export interface AccessPolicy {
  tenants: readonly Tenant[];
  byId: ReadonlyMap<string, Tenant>;
  auth: AuthSettings;
  /** SHA-256 digests of admin tokens (may read `$sys.…` topics); empty = no admin. */
  adminTokens: readonly Buffer[];
}

export const DEFAULT_AUTH: AuthSettings = { clockToleranceSec: 5, authTimeoutMs: 10_000, expiryWarningMs: 30_000 };

export const DEFAULT_LIMITS: InstanceLimits = {
  instanceConnections: 19_000,
  connectionsPerAddress: 200,
  connections: null,
  framesPerSecond: 20,
  frameBurst: 50,
  subscriptions: 200,
  ingestPerSecond: null,
  ingestBurst: 50,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Tenants whose `origins` allow a page from `origin` (every tenant for a non-browser client). */
export function tenantsForOrigin(policy: AccessPolicy, origin: string | undefined): Tenant[] {
  if (origin === undefined) return [...policy.tenants];
  return policy.tenants.filter((t) => t.origins === '*' || t.origins.includes(origin));
}

/** True when `topic` lies in the tenant's namespace. */
export function ownsTopic(tenant: Tenant, topic: string): boolean {
  return topic.startsWith(tenant.topics);
}
