/**
 * Ingest keys: with tenants configured, `POST /v1/events` needs
 * `Authorization: Bearer <ingest key>`. The key's SHA-256 is compared in
 * constant time with every configured hash (the config never holds a key in
 * clear); a key may publish only into its tenant's namespace, and only as
 * often as its tenant's `ingestPerSecond` allows (429 with Retry-After);
 * its body must arrive within its tenant's `requestTimeout` (ingest-app.ts).
 * Answers never tell whether a key exists for another tenant: an unknown
 * key is just unknown.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { TokenBucket } from '../protocol/index.js';

/** What ingest needs of a tenant (the gateway's Tenant fits). */
export interface IngestTenant {
  id: string;
  /** Namespace prefix such as "acme.". */
  topics: string;
  /** SHA-256 digests of the tenant's ingest keys. */
  ingestKeys: readonly Buffer[];
  /** `requestTimeoutMs`: time to receive a request's body once the key named the tenant (null or absent = the server's timeout only). */
  limits: { ingestPerSecond: number | null; ingestBurst: number; requestTimeoutMs?: number | null };
}

/** Refusals by reason, for /metrics. */
export interface IngestAuthStats {
  missing: number;
  unknown: number;
  forbidden: number;
  rateLimited: number;
}

/** What the key check decided for one request. */
export type IngestAdmission =
  | { ok: true; /** The key's tenant; null in development mode (no tenants configured). */ tenant: IngestTenant | null }
  | { ok: false; status: 401 | 429; error: 'unauthorized' | 'rate_limited'; message: string; headers: Record<string, string> };

export interface IngestAuth {
  /** Checks the request's `Authorization` header (and its key's request rate). */
  admit(headers: IncomingHttpHeaders): IngestAdmission;
  /** Items whose topic lies outside the tenant's namespace (none in development mode). */
  outside(tenant: IngestTenant | null, topics: readonly string[]): { index: number; message: string }[];
  stats: IngestAuthStats;
}

/** Keys of buckets idle this long are forgotten. */
const BUCKET_IDLE_MS = 60_000;

function findTenant(tenants: readonly IngestTenant[], digest: Buffer): { tenant: IngestTenant; hash: string } | null {
  let found: { tenant: IngestTenant; hash: string } | null = null;
  // Every hash is compared, match or not, so timing says nothing about which one matched.
  for (const tenant of tenants) {
    for (const hash of tenant.ingestKeys) {
      if (hash.length === digest.length && timingSafeEqual(hash, digest) && !found) found = { tenant, hash: hash.toString('hex') };
    }
  }
  return found;
}

/**
 * Builds the ingest key check; `tenants` is read per request so a reload
 * takes effect at once. It returns null in development mode (no tenants):
 * then every request passes.
 */
export function createIngestAuth(tenants: () => readonly IngestTenant[] | null): IngestAuth {
  const stats: IngestAuthStats = { missing: 0, unknown: 0, forbidden: 0, rateLimited: 0 };
  const buckets = new Map<string, { bucket: TokenBucket; used: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, b] of buckets) if (now - b.used > BUCKET_IDLE_MS) buckets.delete(k);
  }, BUCKET_IDLE_MS);
  sweep.unref();

  const challenge = { 'WWW-Authenticate': 'Bearer realm="rt ingest"' };
  function admit(headers: IncomingHttpHeaders): IngestAdmission {
    const current = tenants();
    if (current === null) return { ok: true, tenant: null };
    const header = headers.authorization;
    const match = header === undefined ? null : /^Bearer +(\S{1,512})\s*$/i.exec(header);
    if (!match) {
      stats.missing++;
      const message = header === undefined ? 'missing "Authorization: Bearer <ingest key>"' : 'Authorization must be "Bearer <ingest key>"';
      return { ok: false, status: 401, error: 'unauthorized', message, headers: challenge };
    }
    const digest = createHash('sha256').update(match[1]).digest();
    const found = findTenant(current, digest);
    if (!found) {
      stats.unknown++;
      return { ok: false, status: 401, error: 'unauthorized', message: 'ingest key not recognised', headers: challenge };
    }
    const { ingestPerSecond, ingestBurst } = found.tenant.limits;
    if (ingestPerSecond !== null) {
      const now = Date.now();
      let entry = buckets.get(found.hash);
      if (!entry) buckets.set(found.hash, (entry = { bucket: new TokenBucket(ingestPerSecond, ingestBurst, now), used: now }));
      entry.used = now;
      if (!entry.bucket.take(now)) {
        stats.rateLimited++;
        const retryAfter = String(Math.max(1, Math.ceil(entry.bucket.wait() / 1000)));
        return { ok: false, status: 429, error: 'rate_limited', message: `more than ${ingestPerSecond} requests per second with this ingest key (burst ${ingestBurst})`, headers: { 'Retry-After': retryAfter } };
      }
    }
    return { ok: true, tenant: found.tenant };
  }

  return {
    admit,
    stats,
    outside(tenant, topics) {
      if (!tenant) return [];
      const out: { index: number; message: string }[] = [];
      topics.forEach((topic, index) => {
        if (!topic.startsWith(tenant.topics)) out.push({ index, message: `topic "${topic}" is outside this key's namespace "${tenant.topics}"` });
      });
      if (out.length > 0) stats.forbidden++;
      return out;
    },
  };
}
