/**
 * The ingest HTTP API against a real in-process app over real HTTP: good
 * bodies are accepted whole, bad ones get a specific 4xx with a message and
 * append nothing at all, and no body can make the server answer 5xx.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../../bin/app.js';
import type { IngestEvent } from '../../bus/index.js';
import { MAX_EVENT_DATA_DEPTH } from '../../bus/index.js';
import type { MessageBody, ServerFrame } from '../../protocol/index.js';

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A running app plus helpers to post to it and to watch its ingest stream. */
class Harness {
  private probes = 0;

  private constructor(
    readonly app: RunningApp,
    readonly base: string,
  ) {}

  static async start(options: Parameters<typeof startApp>[0] = {}): Promise<Harness> {
    const app = await startApp({ port: 0, host: '127.0.0.1', ...options });
    const harness = new Harness(app, `http://127.0.0.1:${app.port}`);
    await app.bus.ingest.ensureGroup(harness.probeGroup);
    return harness;
  }

  /**
   * A consumer group of our own on the ingest stream: it sees every entry
   * ever appended, independently of the processor's group.
   */
  readonly probeGroup = `test-probe-${process.pid}`;

  /** Every ingest entry appended since the previous call. */
  async appended(): Promise<IngestEvent[]> {
    const partitions = Array.from({ length: this.app.bus.ingest.partitions }, (_, i) => i);
    const entries = await this.app.bus.ingest.read(this.probeGroup, `probe-${++this.probes}`, partitions, { pending: false, count: 100_000, blockMs: 0 });
    await this.app.bus.ingest.ack(this.probeGroup, entries);
    return entries.map((e) => e.event).filter((e): e is IngestEvent => e !== null);
  }

  async post(body: string | undefined, contentType: string | null = JSON_TYPE): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (contentType !== null) headers['content-type'] = contentType;
    const res = await fetch(`${this.base}/v1/events`, { method: 'POST', body, headers });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      assert.fail(`status ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return { status: res.status, body: parsed as Record<string, unknown> };
  }

  /** The published history of a topic (what the processor has made of the ingest stream). */
  async history(topic: string): Promise<MessageBody[]> {
    const entries = await this.app.bus.broker.latest(topic, 100);
    return entries.map((e) => JSON.parse(e.body) as MessageBody);
  }

  async healthz(): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.base}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** Asserts the shape of every refusal: `{error, message}` with both non-empty strings. */
function assertProblem(answer: Answer, status: number, error: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error, error, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.message, 'string');
  assert.ok((answer.body.message as string).length > 0);
}

let h: Harness;
let topicCounter = 0;
/** A topic no other test uses. */
const freshTopic = (name: string): string => `ingest.${name}.${++topicCounter}`;

before(async () => {
  h = await Harness.start();
});

after(async () => {
  await h?.close();
});

describe('POST /v1/events accepts good bodies', () => {
  test('one event object is accepted with 202 {accepted: 1} and appended', async () => {
    await h.appended();
    const topic = freshTopic('one');
    const answer = await h.post(JSON.stringify({ topic, value: 3.5, ts: 1_700_000_000_000 }));
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { accepted: 1 });
    assert.deepEqual(await h.appended(), [{ topic, value: 3.5, ts: 1_700_000_000_000 }]);
  });

  test('an array of events is accepted whole, in order', async () => {
    await h.appended();
    const topic = freshTopic('array');
    const events = [
      { topic, value: 1 },
      { topic, data: { level: 'warn', text: 'disk 91%' } },
      { topic, value: 3, data: { host: 'a' }, ts: 5 },
    ];
    const answer = await h.post(JSON.stringify(events));
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { accepted: 3 });
    const appended = await h.appended();
    assert.deepEqual(
      appended.map(({ topic: t, value, data }) => ({ topic: t, value, data })),
      events.map(({ topic: t, value, data }) => ({ topic: t, value, data })),
    );
    assert.equal(appended[2].ts, 5);
  });

  test('an event without ts is stamped with the time of ingest', async () => {
    await h.appended();
    const sentAt = Date.now();
    const answer = await h.post(JSON.stringify({ topic: freshTopic('ts'), value: 1 }));
    assert.equal(answer.status, 202);
    const [event] = await h.appended();
    assert.ok(event.ts >= sentAt && event.ts <= Date.now(), `ts ${event.ts}`);
  });

  test('NDJSON is accepted one event per line, blank lines and CRLF ignored', async () => {
    await h.appended();
    const topic = freshTopic('ndjson');
    const body = `{"topic":"${topic}","value":1}\r\n\n  {"topic":"${topic}","value":2}\n{"topic":"${topic}","data":{"k":"v"}}\n`;
    const answer = await h.post(body, NDJSON_TYPE);
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { accepted: 3 });
    assert.deepEqual((await h.appended()).map((e) => e.value ?? e.data), [1, 2, { k: 'v' }]);
  });

  test('Content-Type parameters and the other NDJSON names are understood', async () => {
    const topic = freshTopic('types');
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/ndjson', 'application/jsonl; charset=UTF-8']) {
      const answer = await h.post(JSON.stringify({ topic, value: 1 }), type);
      assert.equal(answer.status, 202, type);
    }
  });

  test('an accepted value reaches the topic history through the processor', async () => {
    const topic = freshTopic('history');
    assert.equal((await h.post(JSON.stringify({ topic, value: 11, ts: 42 }))).status, 202);
    const history = await eventually('the value in history', async () => {
      const found = await h.history(topic);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(history, [{ ts: 42, value: 11 }]);
  });
});

describe('POST /v1/events refuses bad bodies with a specific 4xx and appends nothing', () => {
  test('malformed JSON is 400 bad_json with the parser message', async () => {
    await h.appended();
    const answer = await h.post('{"topic":"a","value":1');
    assertProblem(answer, 400, 'bad_json');
    assert.match(answer.body.message as string, /^body is not valid JSON/);
    assert.deepEqual(await h.appended(), []);
  });

  test('a malformed NDJSON line is 400 bad_json naming the line, and the good lines before it are not appended', async () => {
    await h.appended();
    const topic = freshTopic('ndjson-bad');
    const body = `{"topic":"${topic}","value":1}\n\n{"topic":"${topic}", value: 2}\n{"topic":"${topic}","value":3}\n`;
    const answer = await h.post(body, NDJSON_TYPE);
    assertProblem(answer, 400, 'bad_json');
    assert.equal(answer.body.line, 3);
    assert.match(answer.body.message as string, /^line 3 is not valid JSON/);
    assert.deepEqual(await h.appended(), []);
  });

  test('an array mixing valid and invalid events is 400 invalid_events listing each invalid item, and none is appended', async () => {
    await h.appended();
    const topic = freshTopic('mixed');
    // Written by hand: JSON.stringify cannot produce 1e999, which JSON.parse reads as Infinity.
    const items = [
      `{"topic":"${topic}","value":1}`,
      `{"value":1}`,
      `{"topic":"bad topic","value":1}`,
      `{"topic":"${topic}","value":"12"}`,
      `{"topic":"${topic}","value":1e999}`,
      `{"topic":"${topic}"}`,
      `{"topic":"${topic}","data":[1,2]}`,
      `{"topic":"${topic}","data":"text"}`,
      `{"topic":"${topic}","value":1,"extra":true}`,
      `{"topic":"${topic}","value":1,"ts":-1}`,
      `{"topic":"${topic}","value":1,"ts":"now"}`,
      `{"topic":"${topic}","value":1,"ts":1.5}`,
      `"just a string"`,
      `{"topic":"${topic}","data":{"ok":true}}`,
    ];
    const answer = await h.post(`[${items.join(',')}]`);
    assertProblem(answer, 400, 'invalid_events');
    assert.equal(answer.body.message, '12 of 14 events are invalid; none was accepted');
    const listed = answer.body.items as { index: number; message: string }[];
    assert.deepEqual(
      listed.map((i) => i.index),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
    const expected: [number, RegExp][] = [
      [1, /^topic is required$/],
      [2, /^topic may only contain/],
      [3, /^value must be a finite number$/],
      [4, /^value must be a finite number$/],
      [5, /^event needs a value or data/],
      [6, /^data must be a JSON object$/],
      [7, /^data must be a JSON object$/],
      [8, /^unknown field "extra"/],
      [9, /^ts must be a non-negative integer/],
      [10, /^ts must be a non-negative integer/],
      [11, /^ts must be a non-negative integer/],
      [12, /^event must be a JSON object/],
    ];
    for (const [index, message] of expected) {
      assert.match(listed.find((i) => i.index === index)!.message, message, `item ${index}`);
    }

    // Nothing of that request reached the ingest stream...
    assert.deepEqual(await h.appended(), []);
    // ...and so nothing reaches the topic, while a later good request does.
    assert.equal((await h.post(JSON.stringify({ topic, value: 42 }))).status, 202);
    const history = await eventually('the later good value', async () => {
      const found = await h.history(topic);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      history.map((m) => m.value),
      [42],
      'only the later request was published; the refused request left no trace before it',
    );
  });

  test('NDJSON with one invalid event is 400 invalid_events by index, and none is appended', async () => {
    await h.appended();
    const topic = freshTopic('ndjson-invalid');
    const answer = await h.post(`{"topic":"${topic}","value":1}\n{"topic":"${topic}","value":null}\n`, NDJSON_TYPE);
    assertProblem(answer, 400, 'invalid_events');
    assert.deepEqual(answer.body.items, [{ index: 1, message: 'value must be a finite number' }]);
    assert.deepEqual(await h.appended(), []);
  });

  test('a single invalid event object is 400 invalid_events with the problem in the message', async () => {
    const answer = await h.post(JSON.stringify({ topic: 'a', value: 1, colour: 'red' }));
    assertProblem(answer, 400, 'invalid_events');
    assert.match(answer.body.message as string, /^invalid event: unknown field "colour"/);
    assert.deepEqual(answer.body.items, [{ index: 0, message: 'unknown field "colour"; allowed: topic, value, data, ts, id' }]);
  });

  test('a long list of invalid items is capped at 100 listed, and the count says how many', async () => {
    await h.appended();
    const answer = await h.post(JSON.stringify(Array.from({ length: 250 }, () => ({ topic: '' }))));
    assertProblem(answer, 400, 'invalid_events');
    assert.equal((answer.body.items as unknown[]).length, 100);
    assert.match(answer.body.message as string, /^250 of 250 events are invalid/);
    assert.deepEqual(await h.appended(), []);
  });

  test('Content-Type text/plain is 415 naming the type and the accepted ones', async () => {
    await h.appended();
    const answer = await h.post(JSON.stringify({ topic: 'a', value: 1 }), 'text/plain');
    assertProblem(answer, 415, 'unsupported_media_type');
    assert.match(answer.body.message as string, /"text\/plain"/);
    assert.match(answer.body.message as string, /application\/json or application\/x-ndjson/);
    assert.deepEqual(await h.appended(), []);
  });

  test('a charset nobody knows is 415 unsupported_encoding', async () => {
    const answer = await h.post(JSON.stringify({ topic: 'a', value: 1 }), 'application/json; charset=klingon');
    assertProblem(answer, 415, 'unsupported_encoding');
  });

  test('an empty or blank body is 400 empty_body', async () => {
    await h.appended();
    assertProblem(await h.post(''), 400, 'empty_body');
    assertProblem(await h.post(undefined), 400, 'empty_body');
    assertProblem(await h.post(' \n\t '), 400, 'empty_body');
    assertProblem(await h.post('\n\n', NDJSON_TYPE), 400, 'empty_body');
    assert.deepEqual(await h.appended(), []);
  });

  test('an empty array is 400 no_events', async () => {
    assertProblem(await h.post('[]'), 400, 'no_events');
    assertProblem(await h.post(' [ ] '), 400, 'no_events');
  });

  test(`data nesting deeper than ${MAX_EVENT_DATA_DEPTH} levels is 400 invalid_events, not a crash, and nothing is appended`, async () => {
    await h.appended();
    // data itself is one level; each array inside adds one.
    const nested = (arrays: number): string => `{"topic":"deep","data":{"x":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;
    for (const arrays of [MAX_EVENT_DATA_DEPTH, 10_000, 100_000]) {
      const answer = await h.post(nested(arrays));
      assertProblem(answer, 400, 'invalid_events');
      assert.match(answer.body.message as string, new RegExp(`more than ${MAX_EVENT_DATA_DEPTH} levels`));
      const ndjson = await h.post(`{"topic":"deep","value":1}\n${nested(arrays)}\n`, NDJSON_TYPE);
      assertProblem(ndjson, 400, 'invalid_events');
      assert.deepEqual((ndjson.body.items as { index: number }[]).map((i) => i.index), [1]);
    }
    assert.deepEqual(await h.appended(), []);
    assert.equal((await h.healthz()).status, 200);
  });

  test(`data nesting exactly ${MAX_EVENT_DATA_DEPTH} levels is accepted, brackets inside strings not counted`, async () => {
    await h.appended();
    const arrays = MAX_EVENT_DATA_DEPTH - 1;
    const body = `{"topic":"deep.ok","data":{"x":${'['.repeat(arrays)}${']'.repeat(arrays)},"s":"${'[{'.repeat(100)}\\\"["}}`;
    assert.doesNotThrow(() => JSON.parse(body));
    assert.equal((await h.post(body)).status, 202);
    assert.equal((await h.appended()).length, 1);
  });

  test('other methods and paths answer 404 in JSON', async () => {
    const res = await fetch(`${h.base}/v1/event`, { method: 'POST', body: '{}', headers: { 'content-type': JSON_TYPE } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'not_found');
  });
});

describe('POST /v1/events with a small body limit', () => {
  let small: Harness;
  before(async () => {
    small = await Harness.start({ maxBodyBytes: 1024 });
  });
  after(async () => {
    await small?.close();
  });

  test('a body over the limit is 413 body_too_large naming the limit, and nothing is appended', async () => {
    await small.appended();
    const events = Array.from({ length: 40 }, (_, i) => ({ topic: 'big.body', value: i }));
    const body = JSON.stringify(events);
    assert.ok(Buffer.byteLength(body) > 1024);
    const answer = await small.post(body);
    assertProblem(answer, 413, 'body_too_large');
    assert.match(answer.body.message as string, /1024 bytes/);
    assert.deepEqual(await small.appended(), []);
  });

  test('a body just under the limit is accepted', async () => {
    await small.appended();
    const event = { topic: 'big.body', data: { pad: '' } };
    event.data.pad = 'x'.repeat(1024 - JSON.stringify(event).length);
    const body = JSON.stringify(event);
    assert.equal(Buffer.byteLength(body), 1024);
    assert.equal((await small.post(body)).status, 202);
    assert.equal((await small.appended()).length, 1);
  });
});

describe('no body makes ingest fail', () => {
  const eventish = fc.record(
    {
      topic: fc.oneof(fc.constantFrom('fuzz.a', 'fuzz.b:c', 'fuzz-x'), fc.string(), fc.jsonValue()),
      value: fc.oneof(fc.double(), fc.jsonValue()),
      data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      ts: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      other: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const bodyArb = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    eventish.map((e) => JSON.stringify(e)),
    fc.array(eventish, { maxLength: 20 }).map((a) => JSON.stringify(a)),
    fc.array(fc.oneof(eventish.map((e) => JSON.stringify(e)), fc.string()), { maxLength: 20 }).map((lines) => lines.join('\n')),
  );
  const typeArb = fc.constantFrom(JSON_TYPE, NDJSON_TYPE, 'application/json; charset=utf-8', 'application/json; charset=latin1');

  test('any generated body gets 202 or a 4xx with {error, message}, never a 5xx, and the server stays healthy', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, typeArb, async (body, type) => {
        const answer = await h.post(body, type);
        if (answer.status === 202) {
          assert.ok(Number.isInteger(answer.body.accepted) && (answer.body.accepted as number) > 0, JSON.stringify(answer.body));
          return;
        }
        assert.ok(answer.status >= 400 && answer.status < 500, `${answer.status} for ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(answer.body)}`);
        assert.equal(typeof answer.body.error, 'string');
        assert.equal(typeof answer.body.message, 'string');
        assert.ok((answer.body.message as string).length > 0);
      }),
      { numRuns: 100 },
    );
    const health = await h.healthz();
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
  });
});

describe('POST /v1/events: retries, idempotency and encodings', () => {
  const send = async (body: string | Buffer, headers: Record<string, string>): Promise<Answer> => {
    const res = await fetch(`${h.base}/v1/events`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': JSON_TYPE, ...headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('a request retried with the same Idempotency-Key is appended once and answered with its duplicates', async () => {
    await h.appended();
    const topic = freshTopic('idem');
    const body = JSON.stringify([{ topic, value: 1 }, { topic: `${topic}.b`, value: 2 }]);
    const key = `key-${topic}`;
    assert.deepEqual((await send(body, { 'idempotency-key': key })).body, { accepted: 2 });
    const again = await send(body, { 'idempotency-key': key });
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, { accepted: 0, duplicates: 2 });
    assert.equal((await h.appended()).length, 2);
    assert.deepEqual((await send(body, { 'idempotency-key': `${key}-other` })).body, { accepted: 2 }, 'another key is another request');
  });

  test('events with an id are appended once per topic, and the id is not part of the event', async () => {
    await h.appended();
    const topic = freshTopic('ids');
    const answer = await send(JSON.stringify([{ topic, value: 1, id: 'e1' }, { topic, value: 2, id: 'e1' }, { topic, value: 3, id: 'e2' }]), {});
    assert.deepEqual(answer.body, { accepted: 2, duplicates: 1 });
    assert.deepEqual((await send(JSON.stringify({ topic, value: 9, id: 'e2' }), {})).body, { accepted: 0, duplicates: 1 });
    const appended = await h.appended();
    assert.deepEqual(appended.map((e) => e.value), [1, 3]);
    assert.ok(appended.every((e) => !('id' in e)));
  });

  test('a bad event id is 400 invalid_events naming the id', async () => {
    const answer = await send(JSON.stringify({ topic: 'a', value: 1, id: 'has space' }), {});
    assertProblem(answer, 400, 'invalid_events');
    assert.match(answer.body.message as string, /id may only contain printable ASCII/);
  });

  test('any Idempotency-Key header is accepted or refused as 400 bad_idempotency_key, never anything else', async () => {
    const headerChar = fc.constantFrom(...' !"#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}~\t\u00e9\u00ff'.split(''));
    await fc.assert(
      fc.asyncProperty(fc.array(headerChar, { minLength: 1, maxLength: 140 }).map((cs) => cs.join('')), async (key) => {
        const answer = await send(JSON.stringify({ topic: freshTopic('fuzzkey'), value: 1 }), { 'idempotency-key': key });
        const trimmed = key.trim();
        const valid = trimmed.length > 0 && trimmed.length <= 128 && /^[!-~]+$/.test(trimmed);
        if (valid) assert.equal(answer.status, 202, `${JSON.stringify(key)}: ${JSON.stringify(answer.body)}`);
        else assertProblem(answer, 400, 'bad_idempotency_key');
      }),
      { numRuns: 60 },
    );
  });

  test('gzip and brotli bodies are accepted; a corrupt one is 400 bad_encoding, an unknown encoding 415', async () => {
    await h.appended();
    const topic = freshTopic('zip');
    const ndjson = `{"topic":"${topic}","value":1}\n{"topic":"${topic}","value":2}\n`;
    assert.equal((await send(gzipSync(ndjson), { 'content-type': NDJSON_TYPE, 'content-encoding': 'gzip' })).status, 202);
    assert.equal((await send(brotliCompressSync(ndjson), { 'content-type': NDJSON_TYPE, 'content-encoding': 'br' })).status, 202);
    assert.equal((await h.appended()).length, 4);
    assertProblem(await send(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400, 'bad_encoding');
    assertProblem(await send(ndjson, { 'content-type': NDJSON_TYPE, 'content-encoding': 'zstd' }), 415, 'unsupported_encoding');
    assert.equal((await h.appended()).length, 0);
  });

  test('a small compressed body that expands past the limit is 413 body_too_large', async () => {
    const huge = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    assertProblem(await send(huge, { 'content-encoding': 'gzip' }), 413, 'body_too_large');
  });
});

describe('a posted value reaches WebSocket subscribers', () => {
  /** Opens /ws and collects every frame the gateway sends. */
  async function connect(port: number): Promise<{ ws: WebSocket; frames: ServerFrame[]; next: (match: (f: ServerFrame) => boolean) => Promise<ServerFrame> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const frames: ServerFrame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as ServerFrame));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const next = (match: (f: ServerFrame) => boolean): Promise<ServerFrame> =>
      eventually('a matching frame', async () => frames.find(match));
    return { ws, frames, next };
  }

  test('a value POSTed to ingest arrives in a msgs frame on a subscribed socket', async () => {
    const topic = freshTopic('live');
    const { ws, next } = await connect(h.app.port!);
    try {
      await next((f) => f.op === 'hello');
      ws.send(JSON.stringify({ op: 'sub', ref: 1, topics: [{ topic }] }));
      await next((f) => f.op === 'subscribed');
      assert.equal((await h.post(JSON.stringify({ topic, value: 7.25, ts: 1_700_000_000_123 }))).status, 202);
      const frame = await next((f) => f.op === 'msgs' && f.msgs.some((m) => m.topic === topic));
      assert.equal(frame.op, 'msgs');
      const msg = frame.op === 'msgs' ? frame.msgs.find((m) => m.topic === topic)! : undefined;
      assert.equal(msg?.value, 7.25);
      assert.equal(msg?.ts, 1_700_000_000_123);
      assert.match(msg?.id ?? '', /^\d+-\d+$/);
    } finally {
      ws.terminate();
    }
  });
});
