/**
 * The `tenants`, `limits` and `auth` sections of the config file, and the
 * `auth` frame, as pure functions: every mistake named at its exact path,
 * generated files and frames never crash and always get a precise answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { compileConfigFile, ConfigFileError, type ConfigProblem } from '../../bin/config-file.js';
import { accessPolicyOf } from '../../bin/tenants-section.js';
import { verifyToken } from '../../gateway/token-verifier.js';
import { decodeClientFrame } from '../../protocol/index.js';
import { ACME_SECRET, es256, sha256Line } from '../support/tenant-fixture.js';

const problemsOf = (data: unknown): ConfigProblem[] => {
  try {
    compileConfigFile(data, 'rt.json');
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigFileError, `threw ${String(error)}`);
    return error.problems;
  }
};

const acme = () => ({
  id: 'acme',
  topics: 'acme.',
  origins: ['https://www.acme.example'],
  publicTopics: ['acme.public.*'],
  keys: [{ kid: 'k1', alg: 'HS256', secret: ACME_SECRET }],
  ingestKeys: [sha256Line('k')],
  limits: { connections: 5000 },
});
const globex = () => ({ id: 'globex', topics: 'globex.', origins: ['*'], keys: [{ kid: 'g', alg: 'ES256', publicKey: es256.publicKey.export({ type: 'spki', format: 'pem' }) }] });

describe('tenants in the config file', () => {
  test('the issue\'s example compiles into a policy', () => {
    const file = compileConfigFile({ tenants: [acme(), globex()] }, 'rt.json');
    const policy = accessPolicyOf(file)!;
    assert.equal(policy.tenants.length, 2);
    assert.equal(policy.byId.get('acme')!.limits.connections, 5000);
    assert.equal(policy.byId.get('acme')!.limits.framesPerSecond, 20, 'defaults fill in what the tenant does not say');
    assert.equal(policy.byId.get('globex')!.origins, '*');
  });

  test('per-tenant connectionsPerAddress and requestTimeout: the tenant\'s value, else the global one', () => {
    const file = compileConfigFile({ tenants: [{ ...acme(), limits: { connectionsPerAddress: 500, requestTimeout: '2s' } }, globex()], limits: { connectionsPerAddress: 50, requestTimeout: '20s' } }, 'rt.json');
    const policy = accessPolicyOf(file)!;
    assert.equal(policy.byId.get('acme')!.limits.connectionsPerAddress, 500);
    assert.equal(policy.byId.get('acme')!.limits.requestTimeoutMs, 2000);
    assert.equal(policy.byId.get('globex')!.limits.connectionsPerAddress, 50, 'the global value is the default of every tenant');
    assert.equal(policy.byId.get('globex')!.limits.requestTimeoutMs, null, 'no own request timeout: only the server\'s applies');
    assert.deepEqual(problemsOf({ tenants: [{ ...acme(), limits: { requestTimeout: '45s' } }], limits: { requestTimeout: '1m' } }), [], 'up to the global value');
  });

  test('without a tenants section there is no policy (development mode)', () => {
    assert.equal(accessPolicyOf(compileConfigFile({ rules: [] }, 'rt.json')), null);
  });

  const cases: [string, (t: any[]) => void, ConfigProblem][] = [
    ['an unknown algorithm', (t) => (t[1].keys[0].alg = 'HS512'), { path: 'tenants[1].keys[0].alg', message: 'must be HS256, ES256 or RS256' }],
    ['a short secret', (t) => (t[0].keys[0].secret = 'short'), { path: 'tenants[0].keys[0].secret', message: 'must be at least 32 bytes (got 5)' }],
    ['a private key where a public one belongs', (t) => (t[1].keys[0].publicKey = es256.privateKey.export({ type: 'pkcs8', format: 'pem' })), { path: 'tenants[1].keys[0].publicKey', message: 'must be a public key (never put a private key in the config)' }],
    ['a PEM that is not a key', (t) => (t[1].keys[0].publicKey = '-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----'), { path: 'tenants[1].keys[0].publicKey', message: 'is not a PEM public key' }],
    ['an origin with a path', (t) => (t[0].origins = ['https://www.acme.example/']), { path: 'tenants[0].origins[0]', message: 'must be an exact origin such as "https://www.acme.example" (scheme, host, optional port; no path or trailing "/"), or "*"' }],
    ['a namespace without a final dot', (t) => (t[0].topics = 'acme'), { path: 'tenants[0].topics', message: 'must be a topic prefix ending in ".", such as "acme."' }],
    ['nested namespaces', (t) => (t[1].topics = 'acme.sub.'), { path: 'tenants[1].topics', message: '"acme.sub." overlaps tenants[0].topics "acme."; namespaces must not nest' }],
    ['a public topic outside the namespace', (t) => (t[0].publicTopics = ['globex.x']), { path: 'tenants[0].publicTopics[0]', message: 'must lie in the tenant\'s namespace "acme."' }],
    ['a public pattern with ** inside', (t) => (t[0].publicTopics = ['acme.**.x']), { path: 'tenants[0].publicTopics[0]', message: 'pattern may use "**" only as its last segment' }],
    ['an ingest key in clear', (t) => (t[0].ingestKeys = ['rtk_secret']), { path: 'tenants[0].ingestKeys[0]', message: 'must be "sha256:" and 64 lowercase hex digits (rt key prints it)' }],
    ['a repeated id', (t) => (t[1].id = 'acme'), { path: 'tenants[1].id', message: 'repeats tenants[0].id "acme"' }],
    ['an unknown limit', (t) => (t[0].limits = { conections: 5 }), { path: 'tenants[0].limits.conections', message: 'unknown key; allowed: connections, framesPerSecond, frameBurst, subscriptions, ingestPerSecond, ingestBurst, connectionsPerAddress, requestTimeout' }],
    ['a tenant request timeout longer than the instance\'s', (t) => (t[0].limits = { requestTimeout: '31s' }), { path: 'tenants[0].limits.requestTimeout', message: 'must not exceed the instance\'s limits.requestTimeout (30000 ms): that one bounds every request before its ingest key names the tenant' }],
    ['a tenant request timeout that is not a duration', (t) => (t[0].limits = { requestTimeout: 10 }), { path: 'tenants[0].limits.requestTimeout', message: 'must be a string' }],
    ['an HS256 key without a secret', (t) => (t[0].keys[0] = { kid: 'k1', alg: 'HS256' }), { path: 'tenants[0].keys[0]', message: 'an HS256 key needs "secret" (and no "publicKey" or "jwk")' }],
  ];
  for (const [name, mutate, expected] of cases) {
    test(`${name} is refused at ${expected.path}`, () => {
      const tenants: any[] = [acme(), globex()];
      mutate(tenants);
      assert.deepEqual(problemsOf({ tenants }), [expected]);
    });
  }

  test('a rule that routes one tenant\'s events (or everyone\'s) into a tenant namespace is refused at its route', () => {
    const tenants = [acme(), globex()];
    assert.deepEqual(problemsOf({ tenants, rules: [{ match: 'acme.orders.*', route: 'acme.all.{1}' }] }), []);
    assert.deepEqual(problemsOf({ tenants, rules: [{ match: 'globex.*.x', route: 'acme.stolen.{1}' }] }), [
      { path: 'rules[0].route', message: 'routes events matched by "globex.*.x" into tenant acme\'s namespace "acme."; with tenants, a route must stay inside the namespace its match lies in' },
    ]);
    assert.equal(problemsOf({ tenants, rules: [{ match: '*.cpu', route: 'acme.cpu' }] })[0]?.path, 'rules[0].route');
  });

  test('generated tenant sections compile or name each problem at a path inside the file', () => {
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.constantFrom('*', 'acme.', 'HS256', 'ES256', 'https://a.example', 'acme.**', ACME_SECRET));
    const tenant = fc.record(
      {
        id: value,
        topics: value,
        origins: fc.oneof(value, fc.array(value, { maxLength: 3 })),
        publicTopics: fc.oneof(value, fc.array(value, { maxLength: 3 })),
        keys: fc.array(fc.record({ kid: value, alg: value, secret: value, publicKey: value }, { requiredKeys: [] }), { maxLength: 2 }),
        ingestKeys: fc.array(value, { maxLength: 2 }),
        limits: fc.dictionary(fc.constantFrom('connections', 'framesPerSecond', 'subscriptions', 'bogus'), value),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(tenant, { maxLength: 3 }), fc.dictionary(fc.constantFrom('clockTolerance', 'authTimeout', 'x'), value), (tenants, auth) => {
        for (const p of problemsOf({ tenants, auth })) {
          assert.ok(p.path.length > 0 && p.message.length > 0, JSON.stringify(p));
          assert.match(p.path, /^(tenants|auth)/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('auth frames', () => {
  const policy = accessPolicyOf(compileConfigFile({ tenants: [acme(), globex()] }, 'rt.json'))!;

  test('an auth frame needs a non-empty string token and nothing else', () => {
    assert.deepEqual(decodeClientFrame('{"op":"auth","token":"abc","ref":2}'), { ok: true, frame: { op: 'auth', token: 'abc', ref: 2 } });
    const bad = decodeClientFrame('{"op":"auth","token":""}');
    assert.ok(!bad.ok && bad.error.code === 'bad_field');
    const extra = decodeClientFrame('{"op":"auth","token":"a","user":"x"}');
    assert.ok(!extra.ok && /unknown field "user"/.test(extra.error.message));
  });

  test('generated auth frames decode to a token or a precise bad_field, never a throw', () => {
    fc.assert(
      fc.property(fc.record({ op: fc.constant('auth'), token: fc.anything(), ref: fc.oneof(fc.constant(undefined), fc.integer()) }, { requiredKeys: ['op'] }), (frame) => {
        const decoded = decodeClientFrame(JSON.stringify(frame));
        if (decoded.ok) assert.equal(decoded.frame.op, 'auth');
        else assert.ok(['bad_field'].includes(decoded.error.code) && decoded.error.message.length > 0, JSON.stringify(decoded));
      }),
      { numRuns: 500 },
    );
  });

  test('generated tokens (random strings and JWT-shaped forgeries) are refused with a reason, never a throw', async () => {
    const segment = fc.oneof(fc.base64String({ maxLength: 60 }), fc.json().map((j) => Buffer.from(j).toString('base64url')), fc.string({ maxLength: 20 }));
    const forged = fc.tuple(segment, segment, segment).map((parts) => parts.join('.'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), forged), async (token) => {
        const verdict = await verifyToken(token, policy, policy.tenants);
        assert.equal(verdict.ok, false);
        if (!verdict.ok) assert.ok(verdict.reason.length > 0);
      }),
      { numRuns: 400 },
    );
  });

  test('generated claims on a correctly signed token: accepted only with a future exp, aud acme and valid patterns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ aud: fc.oneof(fc.constant('acme'), fc.string({ maxLength: 8 })), topics: fc.oneof(fc.constant(['acme.**']), fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), fc.anything()), expIn: fc.integer({ min: -1000, max: 1000 }) }),
        async ({ aud, topics, expIn }) => {
          const now = Math.floor(Date.now() / 1000);
          const t = await new SignJWT({ topics: topics as never }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setAudience(aud).setExpirationTime(now + expIn).sign(Buffer.from(ACME_SECRET));
          const verdict = await verifyToken(t, policy, policy.tenants);
          const valid = aud === 'acme' && expIn > -policy.auth.clockToleranceSec && Array.isArray(topics) && topics.length > 0 && topics.every((p) => typeof p === 'string' && /^[A-Za-z0-9_:-]+(\.([A-Za-z0-9_:-]+|\*))*(\.\*\*)?$/.test(p) && p.length <= 200);
          if (verdict.ok !== valid) assert.fail(`verdict ${JSON.stringify(verdict)} for ${JSON.stringify({ aud, topics, expIn })}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('deploy/rt.config.json', () => {
  test('the example config shipped in deploy/ is valid', async () => {
    const { loadConfigFile } = await import('../../bin/config-file.js');
    const file = loadConfigFile(new URL('../../../deploy/rt.config.json', import.meta.url).pathname);
    assert.equal(accessPolicyOf(file)!.tenants.length, 2);
  });
});
