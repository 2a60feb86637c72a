/**
 * The config file's `tenants`, `limits` and `auth` sections: what the JSON
 * Schema cannot check (origins are exact origins, patterns parse, public
 * topics lie in the namespace, keys parse and fit their algorithm, secrets
 * are long enough, namespaces do not overlap) and their compiled form, the
 * AccessPolicy shared by gateway and ingest.
 */
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { compilePattern, patternProblem } from '../protocol/index.js';
import { parseDuration } from '../processor/duration.js';
import {
  DEFAULT_AUTH,
  DEFAULT_LIMITS,
  type AccessPolicy,
  type AuthSettings,
  type InstanceLimits,
  type Tenant,
  type TenantLimits,
  type TokenAlg,
  type TokenKey,
} from '../gateway/tenants.js';
import type { ConfigFile, ConfigProblem, Section } from './config-file.js';

/** A compiled tenant whose limits are still only its own overrides. */
export type TenantSpec = Omit<Tenant, 'limits'> & { limits: Partial<TenantLimits> };

/** The `limits` section: instance limits, defaults of every tenant, trust in X-Forwarded-For. */
export type LimitSettings = Partial<InstanceLimits> & { trustForwardedFor?: boolean };

interface RawKey {
  kid: string;
  alg: TokenAlg;
  secret?: string;
  publicKey?: string;
  jwk?: JsonWebKey;
}

interface RawTenant {
  id: string;
  topics: string;
  origins: string[];
  publicTopics?: string[];
  keys?: RawKey[];
  ingestKeys?: string[];
  limits?: Partial<Omit<TenantLimits, 'requestTimeoutMs'>> & { requestTimeout?: string };
}

/** Shortest HS256 secret: RFC 7518 asks for a key as long as the hash. */
const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

function compileKey(raw: RawKey, at: string, problems: ConfigProblem[]): TokenKey | null {
  const material = [raw.secret, raw.publicKey, raw.jwk].filter((x) => x !== undefined).length;
  if (raw.alg === 'HS256') {
    if (raw.secret === undefined || material !== 1) {
      problems.push({ path: at, message: 'an HS256 key needs "secret" (and no "publicKey" or "jwk")' });
      return null;
    }
    if (Buffer.byteLength(raw.secret) < MIN_SECRET_BYTES) {
      problems.push({ path: `${at}.secret`, message: `must be at least ${MIN_SECRET_BYTES} bytes (got ${Buffer.byteLength(raw.secret)})` });
      return null;
    }
    return { kid: raw.kid, alg: raw.alg, key: createSecretKey(Buffer.from(raw.secret)) };
  }
  if (raw.secret !== undefined || material !== 1) {
    problems.push({ path: at, message: `an ${raw.alg} key needs exactly one of "publicKey" (PEM) or "jwk", and no "secret"` });
    return null;
  }
  let key: KeyObject;
  const field = raw.publicKey !== undefined ? 'publicKey' : 'jwk';
  // createPublicKey would quietly derive the public half of a private key; a private key in a config file is a leak to report.
  if (/PRIVATE KEY/.test(raw.publicKey ?? '') || (raw.jwk && 'd' in raw.jwk)) {
    problems.push({ path: `${at}.${field}`, message: 'must be a public key (never put a private key in the config)' });
    return null;
  }
  try {
    key = raw.publicKey !== undefined ? createPublicKey(raw.publicKey) : createPublicKey({ key: raw.jwk!, format: 'jwk' });
  } catch {
    problems.push({ path: `${at}.${field}`, message: field === 'publicKey' ? 'is not a PEM public key' : 'is not a public JWK' });
    return null;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (raw.alg === 'ES256' && (key.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1')) {
    problems.push({ path: `${at}.${field}`, message: 'ES256 needs an EC key on the P-256 curve' });
    return null;
  }
  if (raw.alg === 'RS256' && (key.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < MIN_RSA_BITS)) {
    problems.push({ path: `${at}.${field}`, message: `RS256 needs an RSA key of at least ${MIN_RSA_BITS} bits` });
    return null;
  }
  return { kid: raw.kid, alg: raw.alg, key };
}

function originProblem(origin: string): string | null {
  if (origin === '*') return null;
  try {
    if (new URL(origin).origin === origin) return null;
  } catch {
    // falls through
  }
  return `must be an exact origin such as "https://www.acme.example" (scheme, host, optional port; no path or trailing "/"), or "*"`;
}

export const tenantsSection: Section<TenantSpec[]> = {
  compile(raw, path, problems) {
    const tenants = raw as RawTenant[];
    const out: TenantSpec[] = [];
    const ids = new Map<string, number>();
    tenants.forEach((t, i) => {
      const at = `${path}[${i}]`;
      if (ids.has(t.id)) problems.push({ path: `${at}.id`, message: `repeats ${path}[${ids.get(t.id)}].id "${t.id}"` });
      else ids.set(t.id, i);
      tenants.slice(0, i).forEach((other, j) => {
        if (t.topics.startsWith(other.topics) || other.topics.startsWith(t.topics)) {
          problems.push({ path: `${at}.topics`, message: `"${t.topics}" overlaps ${path}[${j}].topics "${other.topics}"; namespaces must not nest` });
        }
      });
      t.origins.forEach((o, j) => {
        const p = originProblem(o);
        if (p) problems.push({ path: `${at}.origins[${j}]`, message: p });
      });
      if (t.origins.includes('*') && t.origins.length > 1) problems.push({ path: `${at}.origins`, message: '"*" allows every origin; list it alone' });
      const publicTopics = (t.publicTopics ?? []).flatMap((pattern, j) => {
        const p = patternProblem(pattern);
        if (p) {
          problems.push({ path: `${at}.publicTopics[${j}]`, message: p });
          return [];
        }
        if (!pattern.startsWith(t.topics)) {
          problems.push({ path: `${at}.publicTopics[${j}]`, message: `must lie in the tenant's namespace "${t.topics}"` });
          return [];
        }
        return [compilePattern(pattern)];
      });
      const keys = new Map<string, TokenKey>();
      (t.keys ?? []).forEach((k, j) => {
        if (keys.has(k.kid)) problems.push({ path: `${at}.keys[${j}].kid`, message: `repeats kid "${k.kid}"` });
        const key = compileKey(k, `${at}.keys[${j}]`, problems);
        if (key) keys.set(key.kid, key);
      });
      out.push({
        id: t.id,
        topics: t.topics,
        origins: t.origins.includes('*') ? '*' : t.origins,
        publicTopics,
        keys,
        ingestKeys: (t.ingestKeys ?? []).map((h) => Buffer.from(h.slice('sha256:'.length), 'hex')),
        limits: tenantLimitsOf(t.limits),
      });
    });
    return out;
  },
};

/** A tenant's `limits` as compiled: durations in ms. */
function tenantLimitsOf(raw: RawTenant['limits']): Partial<TenantLimits> {
  const { requestTimeout, ...rest } = raw ?? {};
  return requestTimeout === undefined ? rest : { ...rest, requestTimeoutMs: parseDuration(requestTimeout)! };
}

/**
 * A tenant's `requestTimeout` can only shorten the instance's: the server's
 * own timer bounds every request before its ingest key names the tenant.
 */
export function tenantTimeoutProblems(tenants: readonly TenantSpec[], limits: LimitSettings | undefined): ConfigProblem[] {
  const global = limits?.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs;
  const problems: ConfigProblem[] = [];
  tenants.forEach((t, i) => {
    const own = t.limits.requestTimeoutMs;
    if (own !== undefined && own !== null && own > global) {
      problems.push({ path: `tenants[${i}].limits.requestTimeout`, message: `must not exceed the instance's limits.requestTimeout (${global} ms): that one bounds every request before its ingest key names the tenant` });
    }
  });
  return problems;
}

export const limitsSection: Section<LimitSettings> = {
  compile(raw) {
    const { headersTimeout, requestTimeout, keepAliveTimeout, ...rest } = raw as Record<string, unknown>;
    const out: LimitSettings = { ...(rest as LimitSettings) };
    if (headersTimeout !== undefined) out.headersTimeoutMs = parseDuration(headersTimeout as string)!;
    if (requestTimeout !== undefined) out.requestTimeoutMs = parseDuration(requestTimeout as string)!;
    if (keepAliveTimeout !== undefined) out.keepAliveTimeoutMs = parseDuration(keepAliveTimeout as string)!;
    return out;
  },
};

export const authSection: Section<AuthSettings> = {
  compile(raw) {
    const r = raw as { clockTolerance?: string; authTimeout?: string; expiryWarning?: string };
    return {
      clockToleranceSec: r.clockTolerance === undefined ? DEFAULT_AUTH.clockToleranceSec : parseDuration(r.clockTolerance)! / 1000,
      authTimeoutMs: r.authTimeout === undefined ? DEFAULT_AUTH.authTimeoutMs : parseDuration(r.authTimeout)!,
      expiryWarningMs: r.expiryWarning === undefined ? DEFAULT_AUTH.expiryWarningMs : parseDuration(r.expiryWarning)!,
    };
  },
};

export const adminSection: Section<AdminSettings> = {
  compile(raw) {
    return { tokens: (raw as { tokens: string[] }).tokens.map((h) => Buffer.from(h.slice('sha256:'.length), 'hex')) };
  },
};

/** The `admin` section: digests of the admin tokens. */
export interface AdminSettings {
  tokens: Buffer[];
}

/** Instance limits from the `limits` section over the defaults. */
export function instanceLimitsOf(file: ConfigFile | undefined): InstanceLimits {
  const { trustForwardedFor: _trust, ...limits } = file?.limits ?? {};
  return { ...DEFAULT_LIMITS, ...limits };
}

/** The access policy of a config file, or null without a `tenants` section (development mode). */
export function accessPolicyOf(file: ConfigFile | undefined): AccessPolicy | null {
  if (!file?.tenants) return null;
  const defaults = instanceLimitsOf(file);
  const base: TenantLimits = {
    connections: defaults.connections,
    framesPerSecond: defaults.framesPerSecond,
    frameBurst: defaults.frameBurst,
    subscriptions: defaults.subscriptions,
    ingestPerSecond: defaults.ingestPerSecond,
    ingestBurst: defaults.ingestBurst,
    connectionsPerAddress: defaults.connectionsPerAddress,
    // The instance's request timeout is the server's own; a tenant's is applied on top of it by ingest.
    requestTimeoutMs: null,
  };
  const tenants: Tenant[] = file.tenants.map((t) => ({ ...t, limits: { ...base, ...t.limits } }));
  return { tenants, byId: new Map(tenants.map((t) => [t.id, t])), auth: file.auth ?? DEFAULT_AUTH, adminTokens: file.admin?.tokens ?? [] };
}

/**
 * Rules that would move events across tenants: a `route` into a tenant's
 * namespace whose `match` is not wholly inside that same namespace (a
 * pattern starting with "*" matches every tenant's topics).
 */
export function crossTenantRoutes(rules: readonly { match: string; route?: string }[], tenants: readonly TenantSpec[]): ConfigProblem[] {
  const literal = (pattern: string): string => {
    const segments = pattern.split('.');
    const wild = segments.findIndex((x) => x.includes('*') || x.includes('{'));
    return wild < 0 ? `${pattern}.` : segments.slice(0, wild).map((x) => `${x}.`).join('');
  };
  const problems: ConfigProblem[] = [];
  rules.forEach((rule, i) => {
    if (rule.route === undefined) return;
    const target = tenants.find((t) => literal(rule.route!).startsWith(t.topics));
    if (target && !literal(rule.match).startsWith(target.topics)) {
      problems.push({ path: `rules[${i}].route`, message: `routes events matched by "${rule.match}" into tenant ${target.id}'s namespace "${target.topics}"; with tenants, a route must stay inside the namespace its match lies in` });
    }
  });
  return problems;
}
