/**
 * `rt token` and `rt key`, spawned for real: a token that the gateway's
 * verifier accepts for exactly the topics asked, a key whose printed hash
 * line matches it, and precise refusals with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadConfigFile } from '../../bin/config-file.js';
import { accessPolicyOf } from '../../bin/tenants-section.js';
import { verifyToken } from '../../gateway/token-verifier.js';
import { writeTenantConfig } from '../support/tenant-fixture.js';

const RT = fileURLToPath(new URL('../../bin/rt.js', import.meta.url));
const file = writeTenantConfig();
const rt = (...args: string[]) => spawnSync(process.execPath, [RT, ...args], { encoding: 'utf8' });

test('rt token prints a token the gateway accepts, granting the topics asked, expiring after --ttl', async () => {
  const run = rt('token', '--config', file, '--tenant', 'acme', '--topics', 'acme.orders.*,acme.cpu.**', '--ttl', '10m', '--kid', 'k2');
  assert.equal(run.status, 0, run.stderr);
  const policy = accessPolicyOf(loadConfigFile(file))!;
  const verdict = await verifyToken(run.stdout.trim(), policy, policy.tenants);
  assert.ok(verdict.ok, JSON.stringify(verdict));
  if (!verdict.ok) return;
  assert.deepEqual(verdict.grant.grants.map((g) => g.source), ['acme.orders.*', 'acme.cpu.**']);
  assert.ok(Math.abs(verdict.grant.exp - (Date.now() / 1000 + 600)) < 5);
});

test('rt token refuses a pattern outside the namespace, an unknown tenant, a non-HS256 kid, each naming the option', () => {
  const outside = rt('token', '--config', file, '--tenant', 'acme', '--topics', 'globex.*');
  assert.equal(outside.status, 2);
  assert.match(outside.stderr, /--topics: "globex\.\*" is outside tenant acme's namespace "acme\."/);
  const unknown = rt('token', '--config', file, '--tenant', 'nobody', '--topics', 'acme.x');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--tenant: no tenant "nobody"/);
  const es = rt('token', '--config', file, '--tenant', 'acme', '--topics', 'acme.x', '--kid', 'e1');
  assert.equal(es.status, 2);
  assert.match(es.stderr, /HS256 keys only/);
  const bad = rt('token', '--config', file, '--tenant', 'acme', '--topics', 'acme.cpu.?');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--topics: "acme\.cpu\.\?"/);
});

test('rt key prints a new key and the sha256 line of exactly that key', () => {
  const run = rt('key', '--config', file, '--tenant', 'globex');
  assert.equal(run.status, 0, run.stderr);
  const key = /^\s+(rtk_globex_\S+)$/m.exec(run.stdout)![1];
  const line = /"(sha256:[0-9a-f]{64})"/.exec(run.stdout)![1];
  assert.match(run.stdout, /tenant globex's "ingestKeys"/);
  assert.equal(line, `sha256:${createHash('sha256').update(key).digest('hex')}`);
  assert.notEqual(rt('key', '--config', file, '--tenant', 'globex').stdout, run.stdout, 'a new key each time');
});

test('rt key --admin prints an admin token and its sha256 line for the admin section', () => {
  const run = rt('key', '--admin');
  assert.equal(run.status, 0, run.stderr);
  const token = /^\s+(rta_\S+)$/m.exec(run.stdout)![1];
  assert.ok(run.stdout.includes(`sha256:${createHash('sha256').update(token).digest('hex')}`));
  assert.match(run.stdout, /"admin": \{ "tokens"/);
});
