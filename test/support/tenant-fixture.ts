/**
 * A config file with tenants for tests, the tokens and ingest keys that go
 * with it, and a helper that reads the HTTP status of a refused upgrade.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

export const ACME_SECRET = 'acme-secret-that-is-at-least-32-bytes-long!';
export const ACME_NEXT_SECRET = 'acme-next-secret-for-rotation-32-bytes+++';
export const GLOBEX_SECRET = 'globex-secret-that-is-at-least-32-bytes-long';
export const ACME_INGEST_KEY = 'rtk_acme_0123456789abcdef0123456789abcdef';
export const GLOBEX_INGEST_KEY = 'rtk_globex_0123456789abcdef0123456789abcdef';
export const ACME_ORIGIN = 'https://www.acme.example';
export const GLOBEX_ORIGIN = 'https://globex.example';

export const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export function sha256Line(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Writes a config file with tenants acme (HS256, two keys, and ES256), globex and tiny; returns its path. */
export function writeTenantConfig(extra: Record<string, unknown> = {}, tenantLimits: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rt-tenants-'));
  const file = join(dir, 'rt.config.json');
  const config = {
    tenants: [
      {
        id: 'acme',
        topics: 'acme.',
        origins: [ACME_ORIGIN],
        publicTopics: ['acme.public.*'],
        keys: [
          { kid: 'k1', alg: 'HS256', secret: ACME_SECRET },
          { kid: 'k2', alg: 'HS256', secret: ACME_NEXT_SECRET },
          { kid: 'e1', alg: 'ES256', publicKey: es256.publicKey.export({ type: 'spki', format: 'pem' }) },
        ],
        ingestKeys: [sha256Line(ACME_INGEST_KEY)],
        limits: { ...(tenantLimits.acme as object) },
      },
      {
        id: 'globex',
        topics: 'globex.',
        origins: [GLOBEX_ORIGIN],
        publicTopics: ['globex.open.**'],
        keys: [{ kid: 'g1', alg: 'HS256', secret: GLOBEX_SECRET }],
        ingestKeys: [sha256Line(GLOBEX_INGEST_KEY)],
        limits: { ...(tenantLimits.globex as object) },
      },
    ],
    ...extra,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export interface TokenOptions {
  aud?: string;
  topics?: unknown;
  ttlSec?: number;
  nbfSec?: number;
  kid?: string;
  secret?: string;
}

/** Signs an HS256 token (acme, k1, `acme.**`, 60 s unless told). */
export async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ topics: options.topics ?? ['acme.**'] })
    .setProtectedHeader({ alg: 'HS256', kid: options.kid ?? 'k1' })
    .setAudience(options.aud ?? 'acme')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSec ?? 60));
  if (options.nbfSec !== undefined) jwt.setNotBefore(now + options.nbfSec);
  return jwt.sign(Buffer.from(options.secret ?? ACME_SECRET));
}

/** The HTTP status of an upgrade (101 when it succeeds; the socket is then closed). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, localAddress });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '', headers: {} });
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
