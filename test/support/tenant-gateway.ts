/**
 * A gateway with tenants for the browser tests (started by
 * web-test-runner.config.mjs): tenant "web" owns "web.", any origin, public
 * topics "web.public.*", an HS256 key and an ingest key; tokens are signed
 * here, on the Node side, as a page's backend would.
 */
import { SignJWT } from 'jose';
import { startServices, type RunningApp } from '../../bin/app.js';
import { DEFAULTS } from '../../bin/config.js';
import { compileConfigFile } from '../../bin/config-file.js';
import { sha256Line } from './tenant-fixture.js';

const SECRET = 'web-tenant-secret-for-browser-tests-32+';
export const WEB_INGEST_KEY = 'rtk_web_browser_tests_0123456789abcdef';

export async function startTenantGateway(): Promise<RunningApp> {
  const configFile = compileConfigFile(
    {
      tenants: [{ id: 'web', topics: 'web.', origins: ['*'], publicTopics: ['web.public.*'], keys: [{ kid: 'w1', alg: 'HS256', secret: SECRET }], ingestKeys: [sha256Line(WEB_INGEST_KEY)] }],
      auth: { clockTolerance: '1s', expiryWarning: '1s', authTimeout: '2s' },
    },
    'browser-tests.json',
  );
  return startServices({ config: { ...DEFAULTS, port: 0, host: '127.0.0.1', demo: false, logLevel: 'warn' }, roles: ['ingest', 'processor', 'gateway'], configFile });
}

/** Signs a token of tenant "web" granting `topics` for `ttlSec` seconds (a wrong secret with `forged`). */
export async function signWebToken(topics: string[], ttlSec: number, forged = false): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ topics })
    .setProtectedHeader({ alg: 'HS256', kid: 'w1' })
    .setAudience('web')
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .sign(Buffer.from(forged ? 'a-different-secret-that-is-32-bytes-long' : SECRET));
}
