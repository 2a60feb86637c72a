/**
 * Verifies the JWT of an `auth` frame with jose: the `aud` claim names the
 * tenant, the header's `kid` picks one of its keys (several may be live
 * during a rotation), `exp` is required, and `topics` lists the patterns the
 * token grants. Refusals are values with a reason a client may read; the
 * token itself is never logged or echoed.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { compilePattern, patternProblem, type TopicPattern } from '../protocol/index.js';
import type { AccessPolicy, Tenant, TokenKey } from './tenants.js';

/** Most patterns one token may grant. */
const MAX_GRANTS = 200;
/** Most compiled patterns kept for sharing (see compiled). */
const PATTERNS_CACHED = 4096;
const patterns = new Map<string, TopicPattern>();

/**
 * The compiled pattern of `source`, shared by every connection whose token
 * grants it (a grant lives as long as its connection; patterns are pure).
 */
function compiled(source: string): TopicPattern {
  let pattern = patterns.get(source);
  if (pattern === undefined) {
    if (patterns.size >= PATTERNS_CACHED) patterns.clear();
    pattern = compilePattern(source);
    patterns.set(source, pattern);
  }
  return pattern;
}

export interface Grant {
  tenant: Tenant;
  /** Patterns of topics the token lets its holder read (within the tenant's namespace). */
  grants: TopicPattern[];
  /** Expiry, epoch seconds. */
  exp: number;
}

export type Verdict = { ok: true; grant: Grant } | { ok: false; reason: string };

function refuse(reason: string): Verdict {
  return { ok: false, reason };
}

function pickKey(tenant: Tenant, kid: string | undefined): TokenKey | null {
  if (kid !== undefined) return tenant.keys.get(kid) ?? null;
  // Without a kid, a tenant with exactly one key is unambiguous.
  return tenant.keys.size === 1 ? [...tenant.keys.values()][0] : null;
}

/** Verifies a token; `allowed` restricts the tenants it may name (those of the connection's origin). */
export async function verifyToken(token: string, policy: AccessPolicy, allowed: readonly Tenant[]): Promise<Verdict> {
  let kid: string | undefined;
  let aud: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
    aud = decodeJwt(token).aud;
  } catch {
    return refuse('token is not a well-formed JWT');
  }
  if (typeof aud !== 'string') return refuse('token must name one tenant in "aud"');
  const tenant = policy.byId.get(aud);
  if (!tenant) return refuse('token audience is not a tenant of this gateway');
  if (!allowed.includes(tenant)) return refuse('token audience is not allowed from this origin');
  const key = pickKey(tenant, kid);
  if (!key) return refuse(kid === undefined ? 'token has no "kid" and its tenant has several keys' : 'token "kid" names no key of its tenant');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      audience: tenant.id,
      clockTolerance: policy.auth.clockToleranceSec,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) return refuse('token expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf') return refuse('token is not valid yet (nbf)');
      if (error.claim === 'iat') return refuse('token was issued in the future (iat)');
      return refuse(`token claim "${error.claim}" is missing or invalid`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return refuse(`token algorithm is not the key's (${key.alg})`);
    if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('token signature does not verify');
    return refuse('token is not a valid JWT');
  }
  const topics = payload.topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.length > MAX_GRANTS) {
    return refuse(`token claim "topics" must be an array of 1 to ${MAX_GRANTS} topic patterns`);
  }
  for (const source of topics) {
    const problem = patternProblem(source);
    if (problem) return refuse(`token claim "topics": ${problem}`);
  }
  // Exactly as long as needed: a grant lives as long as its connection.
  const grants: TopicPattern[] = topics.map((source: string) => compiled(source));
  return { ok: true, grant: { tenant, grants, exp: payload.exp! } };
}
