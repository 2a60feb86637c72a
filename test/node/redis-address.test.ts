/**
 * REDIS_URL forms (bus/redis-address.ts): one node, Cluster seed lists and
 * Sentinel URLs parse to what the bus connects to; malformed ones are
 * refused with what they must be.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nodeUrl, parseRedisAddress, RedisAddressError, redactUrl, routingKey } from '../../bus/index.js';

test('one URL is a single node, kept as given', () => {
  assert.deepEqual(parseRedisAddress('redis://user:pw@cache:6380/2'), { kind: 'single', url: 'redis://user:pw@cache:6380/2' });
});

test('a seed list gives every node a URL; bare host:port items take the first one\'s scheme and credentials', () => {
  assert.deepEqual(parseRedisAddress('rediss://u:p@a:7000,b:7001, redis://c:7002'), { kind: 'seeds', urls: ['rediss://u:p@a:7000', 'rediss://u:p@b:7001', 'redis://c:7002'] });
});

test('a Sentinel URL names its Sentinels (default port 26379), master and data-node credentials', () => {
  const address = parseRedisAddress('redis+sentinel://:s%40cret@10.0.0.1,10.0.0.2:26380/my%20master');
  assert.deepEqual(address, { kind: 'sentinel', sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }], masterName: 'my master', tls: false, username: '', password: 's@cret' });
  assert.equal(nodeUrl(address as Extract<typeof address, { kind: 'sentinel' }>, { host: '10.0.0.9', port: 6379 }), 'redis://:s%40cret@10.0.0.9:6379');
  assert.equal(redactUrl('redis+sentinel://u:secret@h:26379/m'), 'redis+sentinel://u:***@h:26379/m');
});

test('malformed forms are refused with what they must be', () => {
  const cases: [string, RegExp][] = [
    ['redis+sentinel://h:26379/', /must end with \/<master-name>/],
    ['redis+sentinel:///m', /must name at least one Sentinel/],
    ['redis+sentinel://h:99999/m', /host:port; "h:99999" is not/],
    ['http://h:6379', /must use redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\//],
    ['localhost:6379', /must use redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\//],
    ['not a url', /must be a URL like redis:\/\/host:6379/],
    ['redis://a:1,b:x', /"b:x" is not/],
    // Found by the property below: decodeURIComponent's URIError escaped.
    ['redis+sentinel:///%', /malformed %-escape in the master name/],
    ['redis+sentinel://u:%zz@h:26379/m', /malformed %-escape in the password/],
  ];
  for (const [raw, message] of cases) assert.throws(() => parseRedisAddress(raw), (e: unknown) => e instanceof RedisAddressError && message.test(e.message), raw);
});

test('any string either parses or throws RedisAddressError, never anything else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string().map((s) => `redis+sentinel://${s}`), fc.string().map((s) => `redis://a:1,${s}`)), (raw) => {
      try {
        parseRedisAddress(raw);
      } catch (error) {
        assert.ok(error instanceof RedisAddressError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('Cluster routing takes each command\'s key: first script key, first stream, XGROUP\'s stream, else the first argument', () => {
  assert.equal(routingKey(['EVALSHA', 'sha', '2', 'rt:{t}:h', 'rt:{t}:src', 'x']), 'rt:{t}:h');
  assert.equal(routingKey(['EVAL', 'src', '0', 'x']), undefined);
  assert.equal(routingKey(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'STREAMS', 'rt:in:{1}', '>']), 'rt:in:{1}');
  assert.equal(routingKey(['XREAD', 'COUNT', '1', 'BLOCK', '10', 'STREAMS', 'rt:in:{2}', '0-0']), 'rt:in:{2}');
  assert.equal(routingKey(['XGROUP', 'CREATE', 'rt:in:{0}', 'g', '0', 'MKSTREAM']), 'rt:in:{0}');
  assert.equal(routingKey(['XACK', 'rt:in:{3}', 'g', '1-0']), 'rt:in:{3}');
});
