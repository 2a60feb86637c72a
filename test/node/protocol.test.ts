/**
 * The client frame decoder, topic syntax and message ids: the gateway's
 * first line of defence. Bad frames get a specific error code and message;
 * good frames come out exactly as they went in; nothing ever throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeBody,
  type MessageBody,
  ErrorCode,
  MAX_REF,
  MAX_SNAPSHOT,
  MAX_SNAPSHOT_MS,
  MAX_TOPICS_PER_FRAME,
  TOPIC_MAX_LENGTH,
  compareIds,
  decodeClientFrame,
  encodeClientFrame,
  isMessageId,
  isTopic,
  topicProblem,
  type ClientFrame,
  type DecodeResult,
  type FrameError,
  type SubscribeTopic,
} from '../../protocol/index.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Decodes `text` and returns its error, failing the test when it decoded ok. */
function errorOf(text: string): FrameError {
  const result = decodeClientFrame(text);
  assert.equal(result.ok, false, `expected ${text.slice(0, 200)} to be refused`);
  return (result as Extract<DecodeResult, { ok: false }>).error;
}

/** Asserts the shape every decode result has, whatever the input. */
function assertWellFormed(result: DecodeResult): void {
  if (result.ok) {
    assert.ok(['sub', 'unsub', 'ping'].includes(result.frame.op));
    return;
  }
  assert.ok(KNOWN_CODES.has(result.error.code), `unknown code ${result.error.code}`);
  assert.equal(typeof result.error.message, 'string');
  assert.ok(result.error.message.length > 0, 'error message is empty');
}

// ── arbitraries ─────────────────────────────────────────────────────────────

const SEGMENT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:-'.split('');

/** A topic segment: letters, digits, `_`, `-` or `:`. */
const segmentArb = fc.string({ unit: fc.constantFrom(...SEGMENT_CHARS), minLength: 1, maxLength: 24 });

/** Any valid topic name (1..200 characters, dot-separated non-empty segments). */
const topicArb = fc
  .array(segmentArb, { minLength: 1, maxLength: 8 })
  .map((segments) => segments.join('.'))
  .filter((topic) => topic.length <= TOPIC_MAX_LENGTH);

const safeIntArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

/** A canonical message id `<ms>-<seq>`, with both parts as numbers. */
const idPartsArb = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 32 }), safeIntArb),
  fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 32 }), safeIntArb),
);
const idArb = idPartsArb.map(([ms, seq]) => `${ms}-${seq}`);

const subTopicArb: fc.Arbitrary<SubscribeTopic> = fc
  .record({ topic: topicArb, since: idArb, snapshot: fc.integer({ min: 0, max: MAX_SNAPSHOT }) }, { requiredKeys: ['topic'], noNullPrototype: true })
  .map((entry) => entry as SubscribeTopic);

const refArb = fc.integer({ min: 0, max: MAX_REF });

/** Valid `sub` frames: 1..MAX_TOPICS_PER_FRAME distinct topics, optional since/snapshot and ref. */
const subFrameArb: fc.Arbitrary<ClientFrame> = fc
  .record(
    {
      ref: refArb,
      topics: fc.uniqueArray(subTopicArb, { minLength: 1, maxLength: MAX_TOPICS_PER_FRAME, selector: (t) => t.topic }),
    },
    { requiredKeys: ['topics'], noNullPrototype: true },
  )
  .map((f) => ({ op: 'sub', ...f }) as ClientFrame);

const unsubFrameArb: fc.Arbitrary<ClientFrame> = fc
  .record({ ref: refArb, topics: fc.array(topicArb, { minLength: 1, maxLength: MAX_TOPICS_PER_FRAME }) }, { requiredKeys: ['topics'], noNullPrototype: true })
  .map((f) => ({ op: 'unsub', ...f }) as ClientFrame);

const pingFrameArb: fc.Arbitrary<ClientFrame> = fc
  .record({ ref: refArb }, { requiredKeys: [], noNullPrototype: true })
  .map((f) => ({ op: 'ping', ...f }) as ClientFrame);

// ── decodeClientFrame: errors ───────────────────────────────────────────────

describe('decodeClientFrame refuses bad frames with a specific code and message', () => {
  test('text that is not JSON is bad_json', () => {
    for (const text of ['', '{', 'sub', '{"op":"ping",}', "{'op':'ping'}", '\u0000']) {
      const error = errorOf(text);
      assert.equal(error.code, ErrorCode.BadJson, text);
      assert.match(error.message, /not valid JSON/);
    }
  });

  test('JSON that is not an object is bad_frame', () => {
    for (const text of ['null', '1', '"sub"', 'true', '[]', '[{"op":"ping"}]']) {
      const error = errorOf(text);
      assert.equal(error.code, ErrorCode.BadFrame, text);
      assert.match(error.message, /must be a JSON object/);
    }
  });

  test('an object without a string op is bad_frame', () => {
    for (const text of ['{}', '{"op":1}', '{"op":null}', '{"op":["sub"]}', '{"ref":3}']) {
      const error = errorOf(text);
      assert.equal(error.code, ErrorCode.BadFrame, text);
      assert.match(error.message, /string "op"/);
    }
  });

  test('an op this protocol does not have is unknown_op, naming the op and the known ones', () => {
    const error = errorOf('{"op":"publish","ref":7}');
    assert.equal(error.code, ErrorCode.UnknownOp);
    assert.match(error.message, /"publish"/);
    assert.match(error.message, /sub, unsub, ping or auth/);
    assert.equal(error.ref, 7, 'the ref is echoed so the client can match the error');
  });

  test('an unknown op is quoted at most 40 characters long', () => {
    const error = errorOf(JSON.stringify({ op: 'x'.repeat(5000) }));
    assert.equal(error.code, ErrorCode.UnknownOp);
    assert.ok(error.message.length < 200, `message is ${error.message.length} characters`);
  });

  test('a ref out of range or not an integer is bad_field naming ref', () => {
    for (const ref of [-1, 1.5, MAX_REF + 1, '1', null, true]) {
      const error = errorOf(JSON.stringify({ op: 'ping', ref }));
      assert.equal(error.code, ErrorCode.BadField, String(ref));
      assert.match(error.message, /ref must be an integer from 0 to 2147483647/);
    }
  });

  test('an unknown field of a frame is bad_field naming the field', () => {
    const cases: [object, RegExp][] = [
      [{ op: 'ping', extra: 1 }, /ping has an unknown field "extra"/],
      [{ op: 'sub', topics: [{ topic: 'a' }], mode: 'x' }, /sub has an unknown field "mode"/],
      [{ op: 'unsub', topics: ['a'], all: true }, /unsub has an unknown field "all"/],
      [{ op: 'sub', topics: [{ topic: 'a', from: 1 }] }, /sub\.topics\[0\] has an unknown field "from"/],
    ];
    for (const [frame, message] of cases) {
      const error = errorOf(JSON.stringify(frame));
      assert.equal(error.code, ErrorCode.BadField, JSON.stringify(frame));
      assert.match(error.message, message);
    }
  });

  test('sub without a non-empty topics array is bad_field', () => {
    for (const topics of [undefined, [], 'a', { topic: 'a' }, null]) {
      const error = errorOf(JSON.stringify({ op: 'sub', topics }));
      assert.equal(error.code, ErrorCode.BadField);
      assert.match(error.message, /sub\.topics must be a non-empty array/);
    }
  });

  test('a sub entry that is not an object is bad_field naming its index', () => {
    const error = errorOf(JSON.stringify({ op: 'sub', topics: [{ topic: 'a' }, 'b'] }));
    assert.equal(error.code, ErrorCode.BadField);
    assert.match(error.message, /sub\.topics\[1\] must be an object/);
  });

  test('a topic listed twice in one sub is bad_field naming the topic', () => {
    const error = errorOf(JSON.stringify({ op: 'sub', ref: 1, topics: [{ topic: 'a.b' }, { topic: 'a.b' }] }));
    assert.equal(error.code, ErrorCode.BadField);
    assert.match(error.message, /"a\.b" is listed twice/);
    assert.equal(error.topic, 'a.b');
    assert.equal(error.ref, 1);
  });

  test('a snapshot outside 0..MAX_SNAPSHOT or not an integer is bad_field', () => {
    for (const snapshot of [-1, MAX_SNAPSHOT + 1, 2.5, '10', null]) {
      const error = errorOf(JSON.stringify({ op: 'sub', topics: [{ topic: 't', snapshot }] }));
      assert.equal(error.code, ErrorCode.BadField, String(snapshot));
      assert.match(error.message, new RegExp(`sub\\.topics\\[0\\]\\.snapshot must be an integer from 0 to ${MAX_SNAPSHOT}`));
      assert.equal(error.topic, 't');
    }
  });

  test('unsub without a non-empty topics array is bad_field', () => {
    for (const topics of [undefined, [], 'a']) {
      const error = errorOf(JSON.stringify({ op: 'unsub', topics }));
      assert.equal(error.code, ErrorCode.BadField);
      assert.match(error.message, /unsub\.topics must be a non-empty array/);
    }
  });

  test('an invalid topic in sub is bad_topic naming the entry, the problem and the topic', () => {
    const error = errorOf(JSON.stringify({ op: 'sub', ref: 4, topics: [{ topic: 'ok' }, { topic: 'a..b' }] }));
    assert.equal(error.code, ErrorCode.BadTopic);
    assert.match(error.message, /sub\.topics\[1\]: topic has an empty segment/);
    assert.equal(error.topic, 'a..b');
    assert.equal(error.ref, 4);
  });

  test('a sub entry whose topic is missing or not a string is bad_topic', () => {
    for (const entry of [{}, { topic: 3 }, { topic: null }]) {
      const error = errorOf(JSON.stringify({ op: 'sub', topics: [entry] }));
      assert.equal(error.code, ErrorCode.BadTopic, JSON.stringify(entry));
      assert.match(error.message, /sub\.topics\[0\]: topic must be a string/);
      assert.equal(error.topic, undefined);
    }
  });

  test('an invalid topic in unsub is bad_topic naming the entry', () => {
    for (const [topic, problem] of [
      ['{tag}', /may only contain/],
      ['', /must not be empty/],
      [7, /must be a string/],
    ] as const) {
      const error = errorOf(JSON.stringify({ op: 'unsub', topics: ['fine', topic] }));
      assert.equal(error.code, ErrorCode.BadTopic, String(topic));
      assert.match(error.message, /^unsub\.topics\[1\]: /);
      assert.match(error.message, problem);
    }
  });

  test('a since that is not a message id is bad_since naming the entry and the expected form', () => {
    for (const since of ['abc', '1-', '-1', '1.5-0', 1700000000000, '99999999999999999-0', '1-2-3', ' 1-0', null]) {
      const error = errorOf(JSON.stringify({ op: 'sub', topics: [{ topic: 'metrics.cpu', since }] }));
      assert.equal(error.code, ErrorCode.BadSince, String(since));
      assert.match(error.message, /sub\.topics\[0\]\.since must be a message id like "1700000000000-0"/);
      assert.equal(error.topic, 'metrics.cpu');
    }
  });

  test('an epoch that is not 1 to 32 base64url characters is bad_field naming the entry; a good one comes through', () => {
    for (const epoch of ['', 'a b', 'x'.repeat(33), 'é', 'a/b', 12345678, null, ['a']]) {
      const error = errorOf(JSON.stringify({ op: 'sub', topics: [{ topic: 'metrics.cpu', since: '1-0', epoch }] }));
      assert.equal(error.code, ErrorCode.BadField, JSON.stringify(epoch));
      assert.match(error.message, /sub\.topics\[0\]\.epoch must be 1 to 32 characters/);
      assert.equal(error.topic, 'metrics.cpu');
    }
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (epoch) => {
        const decoded = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 't', since: '1-0', epoch }] }));
        const good = /^[A-Za-z0-9_-]{1,32}$/.test(epoch);
        assert.equal(decoded.ok, good, JSON.stringify(epoch));
        if (decoded.ok && decoded.frame.op === 'sub') assert.equal(decoded.frame.topics[0].epoch, epoch);
      }),
    );
  });

  test('more than MAX_TOPICS_PER_FRAME topics in sub or unsub is too_many_topics with the count and the limit', () => {
    const names = Array.from({ length: MAX_TOPICS_PER_FRAME + 1 }, (_, i) => `t${i}`);
    const sub = errorOf(JSON.stringify({ op: 'sub', ref: 9, topics: names.map((topic) => ({ topic })) }));
    assert.equal(sub.code, ErrorCode.TooManyTopics);
    assert.match(sub.message, new RegExp(`sub\\.topics has ${MAX_TOPICS_PER_FRAME + 1} entries; at most ${MAX_TOPICS_PER_FRAME} per frame`));
    assert.equal(sub.ref, 9);
    const unsub = errorOf(JSON.stringify({ op: 'unsub', topics: names }));
    assert.equal(unsub.code, ErrorCode.TooManyTopics);
    assert.match(unsub.message, /^unsub\.topics has 101 entries/);
  });

  test('exactly MAX_TOPICS_PER_FRAME topics is still accepted', () => {
    const names = Array.from({ length: MAX_TOPICS_PER_FRAME }, (_, i) => `t${i}`);
    assert.equal(decodeClientFrame(JSON.stringify({ op: 'sub', topics: names.map((topic) => ({ topic })) })).ok, true);
    assert.equal(decodeClientFrame(JSON.stringify({ op: 'unsub', topics: names })).ok, true);
  });

  test('every error code of a frame problem is reachable', () => {
    const reached = new Set<string>();
    const samples = [
      'nope',
      '[]',
      '{"op":"x"}',
      '{"op":"ping","x":1}',
      '{"op":"sub","topics":[{"topic":"a b"}]}',
      '{"op":"sub","topics":[{"topic":"a","since":"x"}]}',
      JSON.stringify({ op: 'sub', topics: Array.from({ length: 101 }, (_, i) => ({ topic: `t${i}` })) }),
    ];
    for (const text of samples) reached.add(errorOf(text).code);
    assert.deepEqual(
      [...reached].sort(),
      ['bad_field', 'bad_frame', 'bad_json', 'bad_since', 'bad_topic', 'too_many_topics', 'unknown_op'],
    );
  });
});

// ── decodeClientFrame: good frames ──────────────────────────────────────────

describe('sub accepts a time-window snapshot', () => {
  test('snapshotMs within 1..MAX_SNAPSHOT_MS decodes; anything else is bad_field naming it', () => {
    const ok = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 'c', snapshotMs: 300_000, snapshot: 10 }] }));
    assert.deepEqual(ok, { ok: true, frame: { op: 'sub', topics: [{ topic: 'c', snapshotMs: 300_000, snapshot: 10 }] } });
    for (const snapshotMs of [0, -1, 2.5, MAX_SNAPSHOT_MS + 1, '1000', null]) {
      const result = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 'c', snapshotMs }] }));
      assert.equal(result.ok, false, String(snapshotMs));
      if (!result.ok) {
        assert.equal(result.error.code, 'bad_field');
        assert.match(result.error.message, /snapshotMs must be an integer from 1 to/);
      }
    }
  });
});

describe('unsub names each topic once and says which topic is wrong', () => {
  test('a topic listed twice in unsub is bad_field naming the topic', () => {
    const result = decodeClientFrame(JSON.stringify({ op: 'unsub', topics: ['a', 'a'] }));
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.code, 'bad_field');
      assert.equal(result.error.topic, 'a');
    }
  });

  test('an invalid topic in unsub is bad_topic carrying that topic', () => {
    const result = decodeClientFrame(JSON.stringify({ op: 'unsub', ref: 2, topics: ['ok', 'not ok'] }));
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual([result.error.code, result.error.topic, result.error.ref], ['bad_topic', 'not ok', 2]);
  });
});

describe('decodeClientFrame returns valid frames exactly as encoded', () => {
  test('hand-written frames of each op round-trip through encodeClientFrame', () => {
    const frames: ClientFrame[] = [
      { op: 'ping' },
      { op: 'ping', ref: 0 },
      { op: 'ping', ref: MAX_REF },
      { op: 'sub', topics: [{ topic: 'orders.per_sec' }] },
      {
        op: 'sub',
        ref: 12,
        topics: [
          { topic: 'a', since: '1700000000000-0' },
          { topic: 'b:c-d_e.f', snapshot: 0 },
          { topic: 'g', since: '0-0', snapshot: MAX_SNAPSHOT },
        ],
      },
      { op: 'unsub', topics: ['a'] },
      { op: 'unsub', ref: 3, topics: ['a', 'b.c'] },
    ];
    for (const frame of frames) {
      assert.deepEqual(decodeClientFrame(encodeClientFrame(frame)), { ok: true, frame });
    }
  });

  test('any generated valid frame round-trips through encodeClientFrame unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(subFrameArb, unsubFrameArb, pingFrameArb), (frame) => {
        assert.deepEqual(decodeClientFrame(encodeClientFrame(frame)), { ok: true, frame });
      }),
      { numRuns: 300 },
    );
  });

  test('generated sub frames with valid topics, optional since ids and snapshots in range always decode ok', () => {
    fc.assert(
      fc.property(subFrameArb, (frame) => {
        const result = decodeClientFrame(JSON.stringify(frame));
        assert.equal(result.ok, true, JSON.stringify(result));
      }),
      { numRuns: 300 },
    );
  });
});

// ── decodeClientFrame: never throws ─────────────────────────────────────────

describe('decodeClientFrame never throws and always answers ok or a known error', () => {
  const check = (text: string): void => {
    let result: DecodeResult;
    try {
      result = decodeClientFrame(text);
    } catch (error) {
      assert.fail(`threw on ${JSON.stringify(text).slice(0, 200)}: ${(error as Error).stack}`);
    }
    assertWellFormed(result);
  };

  test('on arbitrary strings, including lone surrogates and control characters', () => {
    const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: anyChar })), check), { numRuns: 500 });
  });

  test('on arbitrary JSON text and JSON values', () => {
    fc.assert(fc.property(fc.json(), check), { numRuns: 500 });
    fc.assert(fc.property(fc.jsonValue(), (value) => check(JSON.stringify(value))), { numRuns: 500 });
  });

  test('on arbitrary values stringified', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch {
          text = undefined;
        }
        check(text ?? String(value));
      }),
      { numRuns: 500 },
    );
  });

  test('on frames that look almost right: known ops with arbitrary fields', () => {
    const field = fc.oneof(fc.jsonValue(), fc.array(fc.record({ topic: fc.jsonValue(), since: fc.jsonValue(), snapshot: fc.jsonValue() }, { requiredKeys: [] })));
    const frameArb = fc.record(
      { op: fc.constantFrom('sub', 'unsub', 'ping', 'pong', ''), ref: fc.jsonValue(), topics: field, extra: fc.jsonValue() },
      { requiredKeys: ['op'] },
    );
    fc.assert(fc.property(frameArb, (frame) => check(JSON.stringify(frame))), { numRuns: 500 });
  });

  test('on deeply nested JSON', () => {
    for (const depth of [1_000, 100_000]) {
      check('['.repeat(depth) + ']'.repeat(depth));
      check(`{"op":"sub","topics":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    }
  });
});

// ── topics ──────────────────────────────────────────────────────────────────

describe('topicProblem', () => {
  test('accepts names made of letters, digits, _, -, : in dot-separated segments', () => {
    for (const topic of ['a', 'orders.per_sec', 'tenant:acme.cpu-load.p99', 'A.B.C', '0', 'x'.repeat(TOPIC_MAX_LENGTH)]) {
      assert.equal(topicProblem(topic), null, topic);
      assert.equal(isTopic(topic), true, topic);
    }
  });

  test('accepts every generated topic of the grammar', () => {
    fc.assert(fc.property(topicArb, (topic) => topicProblem(topic) === null), { numRuns: 500 });
  });

  test('rejects a value that is not a string', () => {
    for (const value of [undefined, null, 1, ['a'], { topic: 'a' }]) {
      assert.equal(topicProblem(value), 'topic must be a string');
      assert.equal(isTopic(value), false);
    }
  });

  test('rejects the empty name', () => {
    assert.equal(topicProblem(''), 'topic must not be empty');
  });

  test(`rejects names longer than ${TOPIC_MAX_LENGTH} characters`, () => {
    assert.match(topicProblem('x'.repeat(TOPIC_MAX_LENGTH + 1)) ?? '', /longer than 200 characters/);
  });

  test('rejects braces, which would break the Redis hash tag', () => {
    for (const topic of ['{a}', 'a{', 'a.}b', '{']) assert.match(topicProblem(topic) ?? '', /may only contain/, topic);
  });

  test('rejects spaces and other characters outside the grammar', () => {
    for (const topic of ['a b', ' a', 'a ', 'a\tb', 'a/b', 'a*', 'é', 'a\nb', 'a#b', 'a>b']) {
      assert.match(topicProblem(topic) ?? '', /may only contain/, JSON.stringify(topic));
    }
  });

  test('rejects empty segments: leading, trailing or doubled dots', () => {
    for (const topic of ['.a', 'a.', 'a..b', '.', '..']) assert.match(topicProblem(topic) ?? '', /empty segment/, topic);
  });

  test('any string containing a character outside the grammar is rejected', () => {
    const bad = fc.string({ minLength: 1 }).filter((s) => /[^A-Za-z0-9_:.-]/.test(s));
    fc.assert(fc.property(bad, (topic) => topicProblem(topic) !== null), { numRuns: 500 });
  });
});

// ── message ids ─────────────────────────────────────────────────────────────

describe('message ids', () => {
  test('isMessageId accepts <ms>-<seq> with both parts safe integers', () => {
    for (const id of ['0-0', '1700000000000-0', '1-99', `${Number.MAX_SAFE_INTEGER}-${Number.MAX_SAFE_INTEGER}`]) {
      assert.equal(isMessageId(id), true, id);
    }
    fc.assert(fc.property(idArb, (id) => isMessageId(id)), { numRuns: 300 });
  });

  test('isMessageId rejects ids past the safe integer range', () => {
    const past = String(Number.MAX_SAFE_INTEGER + 1);
    for (const id of [`${past}-0`, `0-${past}`, '99999999999999999-0', '0-18446744073709551615']) {
      assert.equal(isMessageId(id), false, id);
    }
  });

  test('isMessageId rejects anything not shaped \\d+-\\d+', () => {
    for (const id of ['', '1', '1-', '-1', '1--1', '-1-0', '1-0-0', '1.0-0', '1e3-0', ' 1-0', '1-0 ', '0x1-0', 'a-b', '1_0', '１-０']) {
      assert.equal(isMessageId(id), false, JSON.stringify(id));
    }
    for (const value of [undefined, null, 1, ['1-0'], { id: '1-0' }]) assert.equal(isMessageId(value), false);
  });

  test('isMessageId agrees with the regular expression on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,18}-\d{1,18}$/)), (s) => {
        const m = /^(\d+)-(\d+)$/.exec(s);
        // Leading zeros are a separate question (see the next test); compare canonical spellings here.
        if (m && [m[1], m[2]].some((part) => part.length > 1 && part.startsWith('0'))) return;
        const expected = m !== null && Number.isSafeInteger(Number(m[1])) && Number.isSafeInteger(Number(m[2]));
        assert.equal(isMessageId(s), expected, s);
      }),
      { numRuns: 500 },
    );
  });

  test('isMessageId refuses leading zeros, which Redis never writes, so every id has one spelling', () => {
    for (const id of ['0001-0002', '01-0', '1-00', '00-0']) assert.equal(isMessageId(id), false, id);
    assert.equal(isMessageId('0-0'), true);
    assert.equal(isMessageId('10-0'), true);
  });

  test('compareIds orders ids by (ms, seq) numerically, not as strings', () => {
    assert.ok(compareIds('9-0', '10-0') < 0);
    assert.ok(compareIds('1-9', '1-10') < 0);
    assert.ok(compareIds('2-0', '1-999') > 0);
    assert.equal(compareIds('5-5', '5-5'), 0);
    assert.ok(compareIds('0-0', `${Number.MAX_SAFE_INTEGER}-${Number.MAX_SAFE_INTEGER}`) < 0);
  });

  const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0);
  const numeric = ([ma, sa]: [number, number], [mb, sb]: [number, number]): number => (ma !== mb ? sign(ma - mb) : sign(sa - sb));

  test('compareIds agrees in sign with the numeric (ms, seq) order', () => {
    fc.assert(
      fc.property(idPartsArb, idPartsArb, (a, b) => {
        assert.equal(sign(compareIds(`${a[0]}-${a[1]}`, `${b[0]}-${b[1]}`)), numeric(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  test('compareIds is a total order: antisymmetric, transitive, zero only for equal ids', () => {
    fc.assert(
      fc.property(idArb, idArb, idArb, (a, b, c) => {
        assert.equal(sign(compareIds(a, b)) + sign(compareIds(b, a)), 0);
        assert.equal(compareIds(a, b) === 0, a === b);
        if (compareIds(a, b) <= 0 && compareIds(b, c) <= 0) assert.ok(compareIds(a, c) <= 0);
      }),
      { numRuns: 1000 },
    );
  });

  test('sorting with compareIds gives the numeric (ms, seq) order', () => {
    fc.assert(
      fc.property(fc.array(idPartsArb, { maxLength: 50 }), (parts) => {
        const byIds = parts.map(([m, s]) => `${m}-${s}`).sort(compareIds);
        const byNumbers = [...parts].sort(numeric).map(([m, s]) => `${m}-${s}`);
        assert.deepEqual(byIds, byNumbers);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sub accepts a delivery mode and a maximum rate', () => {
  test('mode latest/all and maxRate within 0.1..1000 decode; maxRate with mode all is refused', () => {
    const ok = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 'a', maxRate: 4 }, { topic: 'b', mode: 'all' }, { topic: 'c', mode: 'latest', maxRate: 0.5 }] }));
    assert.deepEqual(ok, { ok: true, frame: { op: 'sub', topics: [{ topic: 'a', maxRate: 4 }, { topic: 'b', mode: 'all' }, { topic: 'c', mode: 'latest', maxRate: 0.5 }] } });
    const both = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 'a', mode: 'all', maxRate: 4 }] }));
    assert.equal(both.ok, false);
    if (!both.ok) assert.match(both.error.message, /maxRate .*cannot go with mode "all"/);
  });

  test('any other mode or maxRate is bad_field naming the field and the topic', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ mode: fc.anything().filter((m) => m !== 'latest' && m !== 'all' && m !== undefined) }),
          fc.record({ maxRate: fc.anything().filter((r) => r !== undefined && !(typeof r === 'number' && r >= 0.1 && r <= 1000)) }),
        ),
        (extra) => {
          const result = decodeClientFrame(JSON.stringify({ op: 'sub', topics: [{ topic: 't', ...extra }] }));
          // JSON drops undefined and turns -0/NaN-like values into what JSON can carry; a value that becomes valid is not a counterexample.
          const sent = JSON.parse(JSON.stringify({ topic: 't', ...extra }));
          if ((sent.mode === undefined || sent.mode === 'latest' || sent.mode === 'all') && (sent.maxRate === undefined || (typeof sent.maxRate === 'number' && sent.maxRate >= 0.1 && sent.maxRate <= 1000))) return;
          assert.equal(result.ok, false);
          if (!result.ok) {
            assert.equal(result.error.code, 'bad_field');
            assert.equal(result.error.topic, 't');
            assert.match(result.error.message, /sub\.topics\[0\]\.(mode|maxRate)/);
          }
        },
      ),
    );
  });
});

test('encodeBody writes exactly the JSON of ts, value and data, for any numbers', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }), fc.option(fc.jsonValue(), { nil: undefined }), (ts, value, data) => {
      const expected: Record<string, unknown> = { ts };
      if (value !== undefined) expected.value = value;
      if (data !== undefined) expected.data = data;
      assert.equal(encodeBody({ ts, value, data } as MessageBody), JSON.stringify(expected));
    }),
  );
});
