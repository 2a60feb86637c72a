/**
 * Tenants against a real `rt start --config` process: origins per tenant,
 * the auth frame and its close codes, per-topic authorization, public
 * topics, token expiry and re-auth, ingest keys. Each rule is checked with
 * the code a client sees.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import {
  ACME_INGEST_KEY,
  ACME_NEXT_SECRET,
  ACME_ORIGIN,
  es256,
  GLOBEX_INGEST_KEY,
  GLOBEX_ORIGIN,
  GLOBEX_SECRET,
  sha256Line,
  token,
  upgradeStatus,
  writeTenantConfig,
} from '../support/tenant-fixture.js';
import { eventually, TestClient } from '../support/ws-client.js';

const ADMIN_TOKEN = 'rta_admin-token-for-tests-0123456789';
let rt: RtProcess;
let base: string;
let ws: string;
const clients: TestClient[] = [];

before(async () => {
  const port = await freePort();
  const file = writeTenantConfig({ auth: { authTimeout: '1s', clockTolerance: '1s', expiryWarning: '2s' }, admin: { tokens: [sha256Line(ADMIN_TOKEN)] } });
  rt = await startRt('start', ['--port', String(port), '--no-demo', '--config', file], {});
  base = `http://127.0.0.1:${port}`;
  ws = `ws://127.0.0.1:${port}/ws`;
});

after(async () => {
  for (const c of clients) c.close();
  await rt.kill('SIGKILL');
});

async function client(origin?: string, query = ''): Promise<TestClient> {
  const c = await TestClient.connect(ws + query, origin ? { Origin: origin } : {});
  clients.push(c);
  return c;
}

async function post(events: unknown, key?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== undefined) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers, body: JSON.stringify(events) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const errorsOf = (c: TestClient, code: string) => c.frameOf('error').filter((f) => f.code === code);

describe('origins and the upgrade', () => {
  test('an origin no tenant lists gets HTTP 403 before any WebSocket exists', async () => {
    const r = await upgradeStatus(ws, { Origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    assert.match(r.body, /origin not allowed/);
  });

  test('an origin is matched exactly, never by suffix or substring', async () => {
    assert.equal((await upgradeStatus(ws, { Origin: 'https://www.acme.example.evil.example' })).status, 403);
    assert.equal((await upgradeStatus(ws, { Origin: 'http://www.acme.example' })).status, 403);
    assert.equal((await upgradeStatus(ws, { Origin: ACME_ORIGIN })).status, 101);
  });

  test('?tenant= names a tenant the origin must be allowed for', async () => {
    assert.equal((await upgradeStatus(`${ws}?tenant=globex`, { Origin: ACME_ORIGIN })).status, 403);
    assert.equal((await upgradeStatus(`${ws}?tenant=acme`, { Origin: ACME_ORIGIN })).status, 101);
  });
});

describe('tokens and subscriptions', () => {
  test('a public topic is read anonymously', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'sub', ref: 1, topics: [{ topic: 'acme.public.status' }] });
    await c.until(() => c.frameOf('subscribed').length === 1);
    assert.equal((await post({ topic: 'acme.public.status', value: 7 }, ACME_INGEST_KEY)).status, 202);
    await c.until(() => c.of('acme.public.status').length === 1, 5000, 'the public message');
  });

  test('a private topic without a token closes 4401 at the auth deadline', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'sub', topics: [{ topic: 'acme.orders.count' }] });
    const closed = await c.closed;
    assert.equal(closed.code, 4401);
    assert.equal(errorsOf(c, 'unauthorized').length, 1);
  });

  test('a sub sent before auth is served once the token arrives', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'sub', ref: 3, topics: [{ topic: 'acme.orders.early' }] });
    c.send({ op: 'auth', ref: 4, token: await token() });
    await c.until(() => c.frameOf('subscribed').some((f) => f.topics.includes('acme.orders.early')));
    assert.deepEqual(c.frameOf('authed')[0], { op: 'authed', ref: 4, tenant: 'acme', exp: c.frameOf('authed')[0].exp });
  });

  for (const [name, make, reason] of [
    ['an expired token', () => token({ ttlSec: -30 }), /expired/],
    ['a token not valid yet', () => token({ nbfSec: 60 }), /not valid yet/],
    ['a token for a wrong audience', () => token({ aud: 'nobody' }), /audience/],
    ['a token for another tenant than the origin', () => token({ aud: 'globex', kid: 'g1', secret: GLOBEX_SECRET }), /audience/],
    ['a token signed with a wrong key', () => token({ secret: 'x'.repeat(40) }), /signature/],
    ['a token with an unknown kid', () => token({ kid: 'nope' }), /kid/],
    ['a forged token (payload changed after signing)', async () => {
      const [h, , s] = (await token()).split('.');
      const payload = Buffer.from(JSON.stringify({ aud: 'acme', topics: ['acme.**'], exp: 9_999_999_999 })).toString('base64url');
      return `${h}.${payload}.${s}`;
    }, /signature/],
    ['an unsigned token (alg none)', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ aud: 'acme', topics: ['acme.**'], exp: 9_999_999_999 })).toString('base64url');
      return `${header}.${payload}.`;
    }, /algorithm|valid JWT/],
    ['a token without a topics claim', () => token({ topics: 'acme.**' }), /topics/],
    ['a token whose topics are not patterns', () => token({ topics: ['acme.*x'] }), /topics/],
    ['something that is not a JWT', async () => 'not-a-jwt-but-a-long-opaque-string-zq', /well-formed/],
  ] as const) {
    test(`${name} closes 4401 with an unauthorized error`, async () => {
      const c = await client(ACME_ORIGIN);
      const t = await make();
      c.send({ op: 'auth', token: t });
      const closed = await c.closed;
      assert.equal(closed.code, 4401);
      const [error] = errorsOf(c, 'unauthorized');
      assert.match(error.message, reason);
      assert.ok(!JSON.stringify(c.frames).includes(t.slice(-20)), 'the token is never echoed');
    });
  }

  test('each topic is authorized on its own: forbidden topics get an error, the rest proceeds', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'auth', token: await token({ topics: ['acme.orders.*', 'globex.**'] }) });
    await c.until(() => c.frameOf('authed').length === 1);
    c.send({ op: 'sub', ref: 9, topics: [{ topic: 'acme.orders.eu' }, { topic: 'acme.cpu.a' }, { topic: 'globex.secret.x' }, { topic: 'other.x' }] });
    await c.until(() => errorsOf(c, 'forbidden').length === 3 && c.frameOf('subscribed').length === 1);
    assert.deepEqual(c.frameOf('subscribed')[0].topics, ['acme.orders.eu']);
    assert.deepEqual(errorsOf(c, 'forbidden').map((e) => e.topic).sort(), ['acme.cpu.a', 'globex.secret.x', 'other.x']);
    assert.ok(errorsOf(c, 'forbidden').every((e) => e.ref === 9));
    assert.equal((await post({ topic: 'acme.orders.eu', value: 1 }, ACME_INGEST_KEY)).status, 202);
    assert.equal((await post({ topic: 'globex.secret.x', value: 1 }, GLOBEX_INGEST_KEY)).status, 202);
    await c.until(() => c.of('acme.orders.eu').length === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.of('globex.secret.x').length, 0, 'nothing of another tenant is readable');
  });

  test('an ES256 token verifies with the tenant\'s public key; a rotated HS256 key works alongside the old', async () => {
    const now = Math.floor(Date.now() / 1000);
    const es = await new SignJWT({ topics: ['acme.**'] }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setAudience('acme').setExpirationTime(now + 60).sign(es256.privateKey);
    const a = await client(ACME_ORIGIN);
    a.send({ op: 'auth', token: es });
    await a.until(() => a.frameOf('authed').length === 1);
    const b = await client(ACME_ORIGIN);
    b.send({ op: 'auth', token: await token({ kid: 'k2', secret: ACME_NEXT_SECRET }) });
    await b.until(() => b.frameOf('authed').length === 1);
  });

  test('token_expired comes ahead of exp; a fresh auth keeps the connection and its subscriptions', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'auth', token: await token({ ttlSec: 3 }) });
    c.send({ op: 'sub', topics: [{ topic: 'acme.orders.kept' }] });
    await c.until(() => c.frameOf('subscribed').length === 1);
    await c.until(() => errorsOf(c, 'token_expired').length === 1, 5000, 'token_expired');
    c.send({ op: 'auth', token: await token({ ttlSec: 60 }) });
    await c.until(() => c.frameOf('authed').length === 2);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(c.ws.readyState, c.ws.OPEN, 'still open after the first token expired');
    assert.equal((await post({ topic: 'acme.orders.kept', value: 5 }, ACME_INGEST_KEY)).status, 202);
    await c.until(() => c.of('acme.orders.kept').length === 1, 5000, 'a message on the kept subscription');
  });

  test('without a fresh auth the connection closes 4401 at expiry', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'auth', token: await token({ ttlSec: 2 }) });
    const closed = await c.closed;
    assert.equal(closed.code, 4401);
    assert.equal(errorsOf(c, 'token_expired').length, 1);
  });

  test('a re-auth that grants less drops what it no longer covers, with forbidden', async () => {
    const c = await client(ACME_ORIGIN);
    c.send({ op: 'auth', token: await token() });
    c.send({ op: 'sub', topics: [{ topic: 'acme.a.x' }, { topic: 'acme.b.x' }] });
    await c.until(() => c.frameOf('subscribed').length === 1);
    c.send({ op: 'auth', token: await token({ topics: ['acme.a.*'] }) });
    await c.until(() => errorsOf(c, 'forbidden').length === 1);
    assert.equal(errorsOf(c, 'forbidden')[0].topic, 'acme.b.x');
  });
});

describe('ingest keys', () => {
  test('no key is 401, an unknown key is 401, and neither says more', async () => {
    const none = await post({ topic: 'acme.x', value: 1 });
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'unauthorized');
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const wrong = await post({ topic: 'acme.x', value: 1 }, 'rtk_not_a_key');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.message, 'ingest key not recognised');
  });

  test('another tenant\'s key is 403 naming each item outside its namespace; nothing is accepted', async () => {
    const r = await post([{ topic: 'globex.a', value: 1 }, { topic: 'acme.b', value: 2 }, { topic: 'acme.c', value: 3 }], GLOBEX_INGEST_KEY);
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'forbidden_topic');
    assert.deepEqual(r.body.items.map((i: { index: number }) => i.index), [1, 2]);
    assert.match(r.body.items[0].message, /outside this key's namespace "globex\."/);
  });

  test('a valid key publishes into its namespace (202)', async () => {
    assert.equal((await post({ topic: 'globex.a', value: 1 }, GLOBEX_INGEST_KEY)).status, 202);
  });
});

describe('operator endpoints', () => {
  test('/readyz answers ready and /metrics counts refusals by reason', async () => {
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    await upgradeStatus(ws, { Origin: 'https://evil.example' });
    await eventually(async () => /rt_gateway_refusals_total\{reason="origin",tenant=""\} [1-9]/.test(await (await fetch(`${base}/metrics`)).text()));
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /rt_ingest_refusals_total\{reason="unknown_key"\} [1-9]/);
    assert.match(text, /rt_gateway_refusals_total\{reason="auth",tenant="acme"\} [1-9]/);
    assert.match(text, /rt_gateway_tenant_messages_sent_total\{tenant="acme"\} [1-9]/);
    assert.match(text, /rt_gateway_refusals_total\{reason="forbidden",tenant="acme"\} [1-9]/);
  });
});

describe('globex public topics with **', () => {
  test('a rest pattern covers deeper topics anonymously from the tenant\'s origin', async () => {
    const c = await client(GLOBEX_ORIGIN);
    c.send({ op: 'sub', topics: [{ topic: 'globex.open.a.b' }, { topic: 'globex.closed' }, { topic: 'acme.public.status' }] });
    await c.until(() => c.frameOf('subscribed').length === 1);
    assert.deepEqual(c.frameOf('subscribed')[0].topics, ['globex.open.a.b']);
    // globex.closed waits for a token; acme's public topics are acme's origin's, not globex's.
    await c.until(() => errorsOf(c, 'forbidden').length === 1);
    assert.equal(errorsOf(c, 'forbidden')[0].topic, 'acme.public.status');
  });
});

describe('the operator\'s view', () => {
  test('$sys topics are readable only with the admin token, from the gateway\'s own origin, and /admin is built on them', async () => {
    const html = await (await fetch(`${base}/admin`)).text();
    const prefix = /topic="(\$sys\.gateway\.[^"]+)\.connections"/.exec(html)![1];
    assert.match(html, /<rt-chart/);
    // A tenant token cannot read them, whatever it grants.
    const tenant = await client(ACME_ORIGIN);
    tenant.send({ op: 'auth', token: await token() });
    await tenant.until(() => tenant.frameOf('authed').length === 1);
    tenant.send({ op: 'sub', topics: [{ topic: `${prefix}.connections` }] });
    await tenant.until(() => errorsOf(tenant, 'forbidden').length === 1);
    // A wrong admin token is just a bad token.
    const wrong = await client(base);
    wrong.send({ op: 'auth', token: 'rta_not-the-admin-token' });
    assert.equal((await wrong.closed).code, 4401);
    const admin = await client(base);
    admin.send({ op: 'sub', topics: [{ topic: `${prefix}.connections` }, { topic: `${prefix}.refusals`, snapshot: 100 }] });
    admin.send({ op: 'auth', ref: 1, token: ADMIN_TOKEN });
    await admin.until(() => admin.frameOf('authed').some((f) => f.admin === true));
    await admin.until(() => admin.of(`${prefix}.connections`).length > 0 && (admin.of(`${prefix}.connections`).at(-1)!.value ?? 0) >= 1, 5000, 'live connection count');
    await upgradeStatus(ws, { Origin: 'https://evil.example' });
    await admin.until(() => admin.of(`${prefix}.refusals`).some((m) => m.data?.reason === 'origin'), 5000, 'a refusal event');
  });

  test('producers cannot publish $sys topics', async () => {
    const r = await post({ topic: '$sys.gateway.x.connections', value: 1 }, ACME_INGEST_KEY);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /\$sys/);
  });
});

describe('generated auth frames against the running gateway', () => {
  test('each gets a precise answer (bad_field, or unauthorized then 4401), and the gateway keeps serving', async () => {
    const fc = (await import('fast-check')).default;
    const frame = fc.oneof(
      fc.record({ op: fc.constant('auth'), token: fc.oneof(fc.string({ maxLength: 64 }), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })) }),
      fc.record({ op: fc.constant('auth'), token: fc.string({ minLength: 1, maxLength: 16 }), extra: fc.string() }),
      fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 40 })).map(([a, b, c]) => ({ op: 'auth', token: `${a}.${b}.${c}` })),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const c = await client(ACME_ORIGIN);
        c.send(f);
        await c.until(() => c.frameOf('error').length > 0, 5000, 'an answer');
        const [error] = c.frameOf('error');
        assert.ok(['bad_field', 'unauthorized'].includes(error.code), JSON.stringify(error));
        assert.ok(error.message.length > 0);
        if (error.code === 'unauthorized') assert.equal((await c.closed).code, 4401);
        else assert.equal(c.ws.readyState, c.ws.OPEN, 'a malformed frame changes nothing else');
        c.close();
      }),
      { numRuns: 40 },
    );
    const after = await client(ACME_ORIGIN);
    after.send({ op: 'auth', token: await token() });
    await after.until(() => after.frameOf('authed').length === 1);
  });
});
