/**
 * `rt token` signs a token for a tenant with one of its HS256 keys (for
 * testing and for backends that shell out); `rt key` makes a new random
 * ingest key and prints the hash line to paste into the config. Neither
 * starts a service. Errors name the option and exit 2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { patternProblem } from '../protocol/index.js';
import { parseDuration } from '../processor/duration.js';
import { ConfigFileError, loadConfigFile } from './config-file.js';
import { accessPolicyOf } from './tenants-section.js';
import type { Tenant } from '../gateway/tenants.js';

/** Longest token lifetime `rt token` signs: long-lived tokens defeat expiry. */
const MAX_TTL_MS = 7 * 86_400_000;

class UsageError extends Error {
  readonly code = 'usage';
}

function tenantOf(file: string | undefined, id: string | undefined): Tenant {
  if (!file) throw new UsageError('--config FILE (or RT_CONFIG) is required');
  if (!id) throw new UsageError('--tenant ID is required');
  const policy = accessPolicyOf(loadConfigFile(file));
  if (!policy) throw new UsageError(`${file} has no "tenants" section`);
  const tenant = policy.byId.get(id);
  if (!tenant) throw new UsageError(`--tenant: no tenant "${id}" in ${file} (tenants: ${policy.tenants.map((t) => t.id).join(', ')})`);
  return tenant;
}

async function token(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, tenant: { type: 'string' }, topics: { type: 'string' }, ttl: { type: 'string' }, kid: { type: 'string' } }, strict: true });
  const tenant = tenantOf(values.config ?? env.RT_CONFIG, values.tenant);
  if (!values.topics) throw new UsageError('--topics is required: comma-separated patterns such as "acme.orders.*,acme.cpu.**"');
  const topics = values.topics.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of topics) {
    const problem = patternProblem(t);
    if (problem) throw new UsageError(`--topics: "${t}": ${problem} ("*" is one segment, a final "**" the rest)`);
    if (!t.startsWith(tenant.topics)) throw new UsageError(`--topics: "${t}" is outside tenant ${tenant.id}'s namespace "${tenant.topics}"`);
  }
  const ttlMs = parseDuration(values.ttl ?? '10m');
  if (ttlMs === null || ttlMs > MAX_TTL_MS) throw new UsageError(`--ttl must be a duration such as "10m", at most 7d; got "${values.ttl}"`);
  const hs = [...tenant.keys.values()].filter((k) => k.alg === 'HS256');
  const key = values.kid !== undefined ? tenant.keys.get(values.kid) : hs[hs.length - 1];
  if (!key) throw new UsageError(values.kid !== undefined ? `--kid: tenant ${tenant.id} has no key "${values.kid}"` : `tenant ${tenant.id} has no HS256 key; sign ES256/RS256 tokens with the private key in your backend`);
  if (key.alg !== 'HS256') throw new UsageError(`--kid: key "${key.kid}" is ${key.alg}; rt token signs with HS256 keys only (it never holds private keys)`);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ topics })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
    .setAudience(tenant.id)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(ttlMs / 1000))
    .sign(key.key.export());
}

function key(argv: string[], env: NodeJS.ProcessEnv): { secret: string; where: string } {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, tenant: { type: 'string' }, admin: { type: 'boolean' } }, strict: true });
  if (values.admin) {
    if (values.tenant) throw new UsageError('--admin and --tenant exclude each other');
    return { secret: `rta_${randomBytes(32).toString('base64url')}`, where: '"admin": { "tokens": [...] }' };
  }
  const tenant = tenantOf(values.config ?? env.RT_CONFIG, values.tenant);
  // 32 random bytes: as strong as the SHA-256 it is stored as.
  return { secret: `rtk_${tenant.id}_${randomBytes(32).toString('base64url')}`, where: `tenant ${tenant.id}'s "ingestKeys"` };
}

/** Runs `rt token …` or `rt key …`; returns the exit code. */
export async function runTokenCommand(command: 'token' | 'key', argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    if (command === 'token') {
      process.stdout.write(`${await token(argv, env)}\n`);
    } else {
      const { secret, where } = key(argv, env);
      const line = `sha256:${createHash('sha256').update(secret).digest('hex')}`;
      const what = secret.startsWith('rta_') ? 'admin token (for /admin; it is shown only once)' : 'ingest key (give it to the producer; it is shown only once)';
      process.stdout.write(`${what}:\n  ${secret}\nadd this line to ${where} in the config file, then send SIGHUP:\n  "${line}"\n`);
    }
    return 0;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const message = error instanceof ConfigFileError || error instanceof UsageError ? err.message : err.code?.startsWith('ERR_PARSE_ARGS') ? err.message.split('\n')[0] : `could not ${command === 'token' ? 'sign a token' : 'make a key'}: ${err.message}`;
    process.stderr.write(`rt ${command}: ${message}\n`);
    return 2;
  }
}
