/**
 * Configuration: defaults, then the environment, then flags; a bad value is
 * a ConfigError whose message names the variable or option it came from.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CONFIG_KEYS, ConfigError, DEFAULTS, loadConfig, type Config } from '../../bin/config.js';

/** Runs loadConfig and returns the ConfigError it throws, failing when it returns or throws something else. */
function configError(env: NodeJS.ProcessEnv, flags: Record<string, string | boolean | undefined> = {}): ConfigError {
  try {
    loadConfig(env, flags);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${(error as Error).stack}`);
    assert.equal(error.code, 'config_invalid');
    return error;
  }
  assert.fail(`expected ${JSON.stringify({ env, flags })} to be refused`);
}

describe('loadConfig: where values come from', () => {
  test('with no environment and no flags, every key has its documented default', () => {
    assert.deepEqual(loadConfig({}, {}), DEFAULTS);
  });

  test('the defaults are an open, local, in-memory single process', () => {
    const config = loadConfig({}, {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.redisUrl, null);
    assert.deepEqual(config.allowedOrigins, ['*']);
  });

  test('unrelated environment variables are ignored', () => {
    assert.deepEqual(loadConfig({ HOME: '/root', PATH: '/bin', NODE_ENV: 'production' }, {}), DEFAULTS);
  });

  test('an empty environment variable counts as unset', () => {
    assert.deepEqual(loadConfig({ PORT: '', REDIS_URL: '', RT_ALLOWED_ORIGINS: '' }, {}), DEFAULTS);
  });

  test('environment variables override the defaults, each converted to its type', () => {
    const config = loadConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        REDIS_URL: 'redis://user:pw@cache:6380/2',
        RT_PARTITIONS: '8',
        RT_KEY_PREFIX: 'prod',
        RT_HISTORY_MAXLEN: '50',
        RT_INGEST_MAXLEN: '500',
        RT_MAX_BODY_BYTES: '2048',
        RT_HEARTBEAT_MS: '100',
        RT_MAX_SUBSCRIPTIONS: '3',
        RT_MAX_BUFFERED_BYTES: '1024',
        RT_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080',
        RT_DEMO: 'off',
        LOG_LEVEL: 'debug',
        RT_PROCESSOR_NAME: 'p1',
      },
      {},
    );
    const expected: Config = {
      ...DEFAULTS,
      port: 9000,
      host: '0.0.0.0',
      redisUrl: 'redis://user:pw@cache:6380/2',
      partitions: 8,
      keyPrefix: 'prod',
      historyMaxLen: 50,
      ingestMaxLen: 500,
      maxBodyBytes: 2048,
      heartbeatMs: 100,
      maxSubscriptions: 3,
      maxBufferedBytes: 1024,
      allowedOrigins: ['https://a.example', 'http://b.example:8080'],
      demo: false,
      logLevel: 'debug',
      processorName: 'p1',
    };
    assert.deepEqual(config, expected);
  });

  test('flags override the environment', () => {
    const config = loadConfig(
      { PORT: '9000', REDIS_URL: 'redis://env:6379', RT_DEMO: 'true', RT_ALLOWED_ORIGINS: 'https://env.example' },
      { port: '9001', redis: 'rediss://flag:6380', demo: false, 'allowed-origins': '*' },
    );
    assert.equal(config.port, 9001);
    assert.equal(config.redisUrl, 'rediss://flag:6380');
    assert.equal(config.demo, false);
    assert.deepEqual(config.allowedOrigins, ['*']);
  });

  test('flags that are not set leave environment values alone', () => {
    const config = loadConfig({ PORT: '9000' }, { port: undefined, host: undefined });
    assert.equal(config.port, 9000);
    assert.equal(config.host, DEFAULTS.host);
  });

  test('a base configuration sits between the defaults and the environment', () => {
    const config = loadConfig({ HOST: '::1' }, {}, { port: 1234, host: 'base' });
    assert.equal(config.port, 1234);
    assert.equal(config.host, '::1');
  });

  test('boolean words are read case-insensitively for RT_DEMO', () => {
    for (const word of ['1', 'true', 'YES', 'On']) assert.equal(loadConfig({ RT_DEMO: word }, {}).demo, true, word);
    for (const word of ['0', 'false', 'No', 'OFF']) assert.equal(loadConfig({ RT_DEMO: word }, {}).demo, false, word);
  });

  test('PORT=0 is allowed (it picks a free port)', () => {
    assert.equal(loadConfig({ PORT: '0' }, {}).port, 0);
  });

  test('every key of the schema can be set both by its environment variable and by its flag', () => {
    const names = new Set<string>();
    for (const spec of CONFIG_KEYS) {
      assert.ok(spec.key in DEFAULTS, spec.key);
      assert.ok(!names.has(spec.env) && !names.has(spec.flag), `${spec.env} / --${spec.flag} used twice`);
      names.add(spec.env);
      names.add(spec.flag);
    }
  });
});

describe('loadConfig: a bad value is a ConfigError naming where it came from', () => {
  test('PORT that is not a number names PORT and the accepted range', () => {
    const error = configError({ PORT: 'abc' });
    assert.match(error.message, /environment variable PORT/);
    assert.match(error.message, /0 to 65535/);
    assert.match(error.message, /"abc"/);
  });

  test('a port out of range or fractional is refused, from the environment or the --port flag', () => {
    for (const raw of ['-1', '65536', '80.5', ' ', 'NaN', 'Infinity']) {
      assert.match(configError({ PORT: raw }).message, /PORT/, raw);
      assert.match(configError({}, { port: raw }).message, /option --port/, raw);
    }
  });

  test('--redis with another scheme mentions --redis and redis://', () => {
    const error = configError({}, { redis: 'http://x' });
    assert.match(error.message, /option --redis/);
    assert.match(error.message, /redis:\/\//);
  });

  test('REDIS_URL that is not a URL names REDIS_URL', () => {
    const error = configError({ REDIS_URL: 'localhost:6379' });
    assert.match(error.message, /REDIS_URL/);
    assert.match(error.message, /redis:\/\//);
    assert.match(configError({ REDIS_URL: 'not a url' }).message, /REDIS_URL: must be a URL like redis:\/\/host:6379/);
  });

  test('a bad origin in RT_ALLOWED_ORIGINS names the variable and the origin', () => {
    for (const origin of ['example.com', 'https://example.com/', 'https://example.com/path', 'null']) {
      const error = configError({ RT_ALLOWED_ORIGINS: `https://ok.example,${origin}` });
      assert.match(error.message, /RT_ALLOWED_ORIGINS/, origin);
      assert.ok(error.message.includes(`"${origin}" does not`), error.message);
    }
  });

  test('RT_ALLOWED_ORIGINS made only of commas and spaces is refused', () => {
    assert.match(configError({ RT_ALLOWED_ORIGINS: ' , ,' }).message, /RT_ALLOWED_ORIGINS: must list at least one origin/);
  });

  test('numbers must be plain decimal digits: hex, exponents and fractions are refused', () => {
    for (const raw of ['0x1F90', '1e3', '80.0', '-0', ' ']) {
      assert.match(configError({ PORT: raw }).message, /environment variable PORT: must be a port number/);
      if (raw.trim() !== '') assert.match(configError({ RT_PARTITIONS: raw }).message, /environment variable RT_PARTITIONS: must be a whole number/);
    }
  });

  test('integers below their minimum name the variable and the minimum', () => {
    const cases: [string, string, number][] = [
      ['RT_PARTITIONS', '0', 1],
      ['RT_HEARTBEAT_MS', '99', 100],
      ['RT_MAX_BUFFERED_BYTES', '1023', 1024],
      ['RT_MAX_BODY_BYTES', '-5', 1],
    ];
    for (const [env, raw, min] of cases) {
      const error = configError({ [env]: raw });
      assert.match(error.message, new RegExp(`environment variable ${env}: must be a whole number ≥ ${min}`));
    }
  });

  test('integers that are not integers name the option', () => {
    for (const raw of ['ten', '1.5', '', '9007199254740993']) {
      assert.match(configError({}, { partitions: raw }).message, /option --partitions/, raw);
    }
  });

  test('a boolean that is not a boolean word names RT_DEMO', () => {
    assert.match(configError({ RT_DEMO: 'maybe' }).message, /RT_DEMO: must be true or false/);
  });

  test('an unknown log level names LOG_LEVEL and the levels', () => {
    const error = configError({ LOG_LEVEL: 'verbose' });
    assert.match(error.message, /LOG_LEVEL/);
    assert.match(error.message, /trace, debug, info, warn, error, fatal/);
  });

  test('a blank string names the key', () => {
    assert.match(configError({ HOST: '   ' }).message, /HOST: must not be empty/);
    assert.match(configError({}, { 'key-prefix': '' }).message, /option --key-prefix: must not be empty/);
  });

  test('RT_HISTORY_RETENTION rules are read in order, and a bad rule is refused naming the variable and the rule', () => {
    assert.deepEqual(loadConfig({ RT_HISTORY_RETENTION: 'hosts.*.cpu=100000/1h, *=5/30s' }, {}).historyRetention, [
      { pattern: 'hosts.*.cpu', messages: 100000, ageMs: 3_600_000 },
      { pattern: '*', messages: 5, ageMs: 30_000 },
    ]);
    assert.match(configError({ RT_HISTORY_RETENTION: 'api.*=10' }).message, /RT_HISTORY_RETENTION: rule "api\.\*=10" must look like/);
    assert.match(configError({}, { 'history-retention': 'a b=1/1s' }).message, /option --history-retention: rule "a b=1\/1s"/);
    assert.match(configError({ RT_HISTORY_RETENTION: 'api..x=1/1s' }).message, /pattern "api\.\.x" must be topic segments/);
    assert.match(configError({ RT_HISTORY_RETENTION: '*=1/10y' }).message, /RT_HISTORY_RETENTION/);
    assert.match(configError({ RT_HISTORY_RETENTION: ' , ' }).message, /at least one rule/);
  });

  test('any RT_HISTORY_RETENTION text is either rules or a ConfigError naming the variable', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          const rules = loadConfig({ RT_HISTORY_RETENTION: text }, {}).historyRetention;
          return text.trim() === '' || (rules.length > 0 && rules.every((r) => Number.isSafeInteger(r.messages) && Number.isSafeInteger(r.ageMs)));
        } catch (error) {
          return error instanceof ConfigError && error.message.startsWith('environment variable RT_HISTORY_RETENTION: ');
        }
      }),
    );
  });

  test('the first bad key is reported even when later keys are fine', () => {
    assert.match(configError({ PORT: 'x', RT_PARTITIONS: '2' }).message, /PORT/);
  });
});

describe('loadConfig: PORT, property', () => {
  test('for any string PORT, loadConfig returns a port in 0..65535 or throws a ConfigError naming PORT', () => {
    const portish = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.integer({ min: -100_000, max: 100_000 }).map(String),
      fc.double().map(String),
      fc.stringMatching(/^\s*[+-]?(0x|0b|0o)?[0-9a-fA-F.e]{0,8}\s*$/),
    );
    fc.assert(
      fc.property(portish, (raw) => {
        let config: Config;
        try {
          config = loadConfig({ PORT: raw }, {});
        } catch (error) {
          assert.ok(error instanceof ConfigError, `PORT=${JSON.stringify(raw)} threw ${(error as Error).stack}`);
          assert.match(error.message, /PORT/);
          return;
        }
        assert.ok(Number.isInteger(config.port), `PORT=${JSON.stringify(raw)} gave ${config.port}`);
        assert.ok(config.port >= 0 && config.port <= 65535, `PORT=${JSON.stringify(raw)} gave ${config.port}`);
      }),
      { numRuns: 1000 },
    );
  });

  test('for any string as --port, loadConfig returns a port in 0..65535 or throws a ConfigError naming --port', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        try {
          const { port } = loadConfig({}, { port: raw });
          assert.ok(Number.isInteger(port) && port >= 0 && port <= 65535);
        } catch (error) {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /--port/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('REDIS_URL forms: Sentinel and Cluster seeds', () => {
  test('a redis+sentinel:// URL with several Sentinels and a master name is accepted as given', () => {
    const url = 'redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster';
    assert.equal(loadConfig({ REDIS_URL: url }, {}).redisUrl, url);
  });

  test('a redis+sentinel:// URL without a master name is refused naming what is missing', () => {
    const error = configError({ REDIS_URL: 'redis+sentinel://10.0.0.1:26379/' });
    assert.match(error.message, /^environment variable REDIS_URL: must end with \/<master-name> after the Sentinels/);
  });

  test('several comma-separated seed nodes (a Redis Cluster) are accepted; a bad one is named', () => {
    assert.equal(loadConfig({ REDIS_URL: 'redis://10.0.0.1:7000,redis://10.0.0.2:7000' }, {}).redisUrl, 'redis://10.0.0.1:7000,redis://10.0.0.2:7000');
    const error = configError({ REDIS_URL: 'redis://10.0.0.1:7000,10.0.0.2:port' });
    assert.match(error.message, /^environment variable REDIS_URL: must list Sentinels or seed nodes as host:port; "10.0.0.2:port" is not/);
  });

  test('RT_REDIS_WAIT_REPLICAS defaults to null (1 with Sentinel, else 0) and takes a whole number', () => {
    assert.equal(loadConfig({}, {}).redisWaitReplicas, null);
    assert.equal(loadConfig({ RT_REDIS_WAIT_REPLICAS: '2' }, {}).redisWaitReplicas, 2);
    assert.match(configError({ RT_REDIS_WAIT_REPLICAS: '-1' }).message, /RT_REDIS_WAIT_REPLICAS: must be a whole number ≥ 0/);
  });
});

test('RT_INGEST_URL must be an http(s) URL; the error names the variable', () => {
  assert.equal(loadConfig({ RT_INGEST_URL: 'https://ingest.example.com/' }, {}).ingestUrl, 'https://ingest.example.com');
  for (const bad of ['ftp://ingest.example.com', 'ingest.example.com', 'redis://x:6379']) {
    assert.throws(() => loadConfig({ RT_INGEST_URL: bad }, {}), (error: Error) => error instanceof ConfigError && error.message.includes('RT_INGEST_URL'));
  }
  assert.throws(() => loadConfig({}, { 'ingest-url': 'nope' }), /--ingest-url/);
});
