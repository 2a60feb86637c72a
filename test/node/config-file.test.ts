/**
 * The config file: a valid file compiles; every invalid one is refused with
 * problems that each name an exact path into the file; generated files never
 * crash the validator; `rt` refuses a bad file at start-up with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileConfigFile, ConfigFileError, type ConfigProblem } from '../../bin/config-file.js';

const problemsOf = (data: unknown): ConfigProblem[] => {
  try {
    compileConfigFile(data, 'rt.json');
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigFileError, `threw ${String(error)}`);
    assert.equal(error.code, 'config_file_invalid');
    return error.problems;
  }
};

/** Follows `rules[1].windows[0]` into `data`; true when every step but the last exists. */
function parentExists(data: unknown, path: string): boolean {
  if (path === '(top level)') return true;
  const steps = [...path.matchAll(/(?:^|\.)([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)].map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(m[3])));
  let at: unknown = data;
  for (const step of steps.slice(0, -1)) {
    if (typeof at !== 'object' || at === null || !(step in (at as object))) return false;
    at = (at as Record<string | number, unknown>)[step];
  }
  return typeof at === 'object' && at !== null;
}

describe('config file', () => {
  test('the example of issue 5 compiles, and its rules plan topics as written', () => {
    const file = compileConfigFile(
      { rules: [{ match: 'api.latency', aggregate: ['count', 'avg', 'max', 'p95'], windows: ['1s', '10s'] }, { match: 'hosts.*.cpu', route: 'cpu.{1}' }] },
      'rt.json',
    );
    assert.equal(file.rules!.size, 2);
    assert.equal(file.rules!.plan('hosts.web-1.cpu').publishAs, 'cpu.web-1');
    assert.deepEqual(file.rules!.plan('api.latency').windows.map((w) => [w.label, w.ms, w.graceMs, w.functions]), [
      ['1s', 1000, 2000, ['count', 'avg', 'max', 'p95']],
      ['10s', 10_000, 2000, ['count', 'avg', 'max', 'p95']],
    ]);
    assert.deepEqual(file.rules!.plan('hosts.a.b.cpu'), { publishAs: 'hosts.a.b.cpu', windows: [] }, '"*" is one segment');
  });

  test('a file with no sections is valid (development mode)', () => {
    assert.deepEqual(problemsOf({}), []);
    assert.deepEqual(problemsOf({ $schema: './schema/rt-config.schema.json', rules: [] }), []);
  });

  const cases: [string, unknown, ConfigProblem[]][] = [
    ['a window that is not a duration', { rules: [{ match: 'a', route: 'b' }, { match: 'x', aggregate: ['count'], windows: ['10s', 'ten'] }] }, [{ path: 'rules[1].windows[1]', message: 'must be a duration such as "10s" (a whole number and one of ms, s, m, h, d)' }]],
    ['an unknown function', { rules: [{ match: 'x', aggregate: ['median'], windows: ['1s'] }] }, [{ path: 'rules[0].aggregate[0]', message: 'must be one of count, sum, avg, min, max, rate, p50, p90, p95, p99, last' }]],
    ['an unknown key', { rules: [{ match: 'x', route: 'y', windwos: ['1s'] }] }, [{ path: 'rules[0].windwos', message: 'unknown key; allowed: match, route, aggregate, windows, field, grace' }]],
    ['an unknown section', { rulez: [] }, [{ path: 'rulez', message: 'unknown section; allowed: rules, tenants, limits, auth, admin' }]],
    ['a missing match', { rules: [{ route: 'y' }] }, [{ path: 'rules[0].match', message: 'is required' }]],
    ['rules not an array', { rules: { match: 'x' } }, [{ path: 'rules', message: 'must be an array' }]],
    ['a file that is not an object', [1], [{ path: '(top level)', message: 'must be an object' }]],
    ['a route naming a missing wildcard', { rules: [{ match: 'hosts.*.cpu', route: 'cpu.{2}' }] }, [{ path: 'rules[0].route', message: '{2} refers to a "*" that "hosts.*.cpu" does not have (it has 1)' }]],
    ['an invalid pattern', { rules: [{ match: 'hosts..cpu', route: 'x' }] }, [{ path: 'rules[0].match', message: 'pattern has an empty segment (leading, trailing or doubled ".")' }]],
    ['a partial wildcard', { rules: [{ match: 'hosts.a*', route: 'x' }] }, [{ path: 'rules[0].match', message: 'pattern may use "*" only as a whole segment' }]],
    ['aggregate without windows', { rules: [{ match: 'x', aggregate: ['count'] }] }, [{ path: 'rules[0].windows', message: 'is required with "aggregate" (e.g. ["10s"])' }]],
    ['a rule that does nothing', { rules: [{ match: 'x' }] }, [{ path: 'rules[0]', message: 'does nothing: give it a "route", or "aggregate" and "windows"' }]],
    ['a window too short', { rules: [{ match: 'x', aggregate: ['count'], windows: ['5ms'] }] }, [{ path: 'rules[0].windows[0]', message: 'must be from 100ms to 1d, got "5ms"' }]],
    ['a repeated window', { rules: [{ match: 'x', aggregate: ['count'], windows: ['1s', '1s'] }] }, [{ path: 'rules[0].windows[1]', message: 'repeats rules[0].windows[0]' }]],
    ['a bad field', { rules: [{ match: 'x', aggregate: ['count'], windows: ['1s'], field: 'latency' }] }, [{ path: 'rules[0].field', message: 'must be "value" or "data.<key>" such as "data.latency_ms"' }]],
    ['a bad grace', { rules: [{ match: 'x', aggregate: ['count'], windows: ['1s'], grace: -1 }] }, [{ path: 'rules[0].grace', message: 'must be a string' }]],
  ];
  for (const [what, data, expected] of cases) {
    test(`${what} is refused with its exact path`, () => {
      assert.deepEqual(problemsOf(data), expected);
    });
  }

  test('generated config files never crash the validator and every problem names a path into the file', () => {
    const duration = fc.oneof(fc.constantFrom('1s', '10s', '500ms', '1m', '0s', '5ms', '2d', 'ten', ''), fc.string());
    const rule = fc.record(
      {
        match: fc.oneof(fc.constantFrom('a', 'hosts.*.cpu', '*', 'a..b', 'a*', ''), fc.string(), fc.integer()),
        route: fc.oneof(fc.constantFrom('cpu.{1}', 'x', '{0}', 'a.{3}'), fc.string()),
        aggregate: fc.oneof(fc.array(fc.constantFrom('count', 'p95', 'median', 'last')), fc.anything()),
        windows: fc.oneof(fc.array(duration, { maxLength: 12 }), fc.anything()),
        field: fc.oneof(fc.constantFrom('value', 'data.x', 'data', 'x'), fc.anything()),
        grace: duration,
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const file = fc.oneof(
      fc.record({ rules: fc.oneof(fc.array(fc.oneof(rule, fc.anything()), { maxLength: 5 }), fc.anything()), other: fc.anything() }, { requiredKeys: [] }),
      fc.anything(),
    );
    fc.assert(
      fc.property(file, (data) => {
        for (const problem of problemsOf(data)) {
          assert.ok(problem.message.length > 0);
          assert.ok(parentExists(data, problem.path), `path ${problem.path} points into the file`);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('rt refuses a bad config file at start-up with exit code 2 and the path of the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-config-'));
    const file = join(dir, 'rt.json');
    writeFileSync(file, JSON.stringify({ rules: [{ match: 'api.latency', aggregate: ['p95'], windows: ['10 s'] }] }));
    const rt = fileURLToPath(new URL('../../bin/rt.js', import.meta.url));
    const run = spawnSync(process.execPath, [rt, 'start', '--port', '0', '--config', file], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /rules\[0\]\.windows\[0\]: must be a duration such as "10s"/);
    writeFileSync(file, '{"rules": [');
    const broken = spawnSync(process.execPath, [rt, 'start', '--port', '0'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, RT_CONFIG: file } });
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /is not valid JSON/);
  });
});
