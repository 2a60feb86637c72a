/**
 * The producer client and the API description, against a real ingest over
 * real HTTP: publishes arrive once, a lost answer is retried without a
 * duplicate, a full backlog's Retry-After is honoured until the processor
 * drains it, and a bad request fails at once with ingest's code.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startApp, startServices, type RunningApp } from '../../bin/app.js';
import { DEFAULTS } from '../../bin/config.js';
import { checkEvent } from '../../bus/index.js';
import { Producer, ProducerError } from '../../ingest/index.js';
import { Processor } from '../../processor/index.js';
import { eventually } from '../support/ws-client.js';

const quiet = { info() {}, warn() {}, error() {} };

const values = async (app: RunningApp, topic: string): Promise<number[]> =>
  (await app.bus.broker.history(topic, '0-0', 10_000)).entries.map((e) => JSON.parse(e.body).value as number);

/**
 * A TCP proxy in front of ingest that swallows the answer of the first
 * request: the request reaches ingest, the connection is cut before the
 * client reads a byte of the response.
 */
async function answerLosingProxy(port: number): Promise<{ port: number; server: Server }> {
  let first = true;
  const server = createServer((client: Socket) => {
    const upstream = connect(port, '127.0.0.1');
    const dropThis = first;
    first = false;
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (dropThis) {
        client.destroy();
        upstream.destroy();
      } else {
        client.write(chunk);
      }
    });
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('producer client', () => {
  let app: RunningApp;
  let base: string;
  before(async () => {
    app = await startApp({ port: 0 });
    base = `http://127.0.0.1:${app.port}`;
  });
  after(async () => app.close());

  test('publish and publishBatch append every event once, in order', async () => {
    const producer = new Producer({ url: base, batchSize: 300 });
    assert.deepEqual(await producer.publish({ topic: 'producer.one', value: 1 }), { accepted: 1, duplicates: 0, attempts: 1 });
    const events = Array.from({ length: 1000 }, (_, i) => ({ topic: 'producer.many', value: i }));
    const result = await producer.publishBatch(events);
    assert.equal(result.accepted, 1000);
    assert.equal(result.attempts, 4, '1000 events in requests of 300');
    await eventually(async () => (await values(app, 'producer.many')).length === 1000, 5000, 'all published');
    assert.deepEqual(await values(app, 'producer.many'), events.map((e) => e.value));
    assert.deepEqual(await values(app, 'producer.one'), [1]);
  });

  test('an answer lost on the way back is retried under the same key and appended once', async () => {
    const proxy = await answerLosingProxy(app.port!);
    try {
      const producer = new Producer({ url: `http://127.0.0.1:${proxy.port}`, baseDelayMs: 10 });
      const result = await producer.publishBatch(Array.from({ length: 20 }, (_, i) => ({ topic: 'producer.lost', value: i })));
      assert.equal(result.attempts, 2);
      assert.deepEqual({ accepted: result.accepted, duplicates: result.duplicates }, { accepted: 0, duplicates: 20 }, 'the first attempt had appended them');
      await eventually(async () => (await values(app, 'producer.lost')).length === 20, 5000, 'published');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await values(app, 'producer.lost'), Array.from({ length: 20 }, (_, i) => i), 'once each');
    } finally {
      proxy.server.close();
    }
  });

  test('a bad request fails at once with ingest\'s error code and details', async () => {
    const producer = new Producer({ url: base });
    await assert.rejects(producer.publish({ topic: 'bad topic', value: 1 }), (error: unknown) => {
      assert.ok(error instanceof ProducerError);
      assert.equal(error.code, 'invalid_events');
      assert.equal(error.status, 400);
      assert.equal(error.attempts, 1);
      assert.match(error.message, /topic/);
      return true;
    });
  });

  test('an unreachable ingest is a network error after maxAttempts', async () => {
    const producer = new Producer({ url: 'http://127.0.0.1:1', maxAttempts: 3, baseDelayMs: 1 });
    await assert.rejects(producer.publish({ topic: 'x', value: 1 }), (error: unknown) => error instanceof ProducerError && error.code === 'network' && error.attempts === 3);
  });

  test('GET /v1/openapi.json describes POST /v1/events with this process\'s limits, and its example event is valid', async () => {
    const res = await fetch(`${base}/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, { post?: { description: string; responses: Record<string, unknown>; parameters: { name: string }[] } }>;
      components: { schemas: { Event: { properties: Record<string, { example?: unknown }> } } };
    };
    assert.equal(doc.openapi, '3.1.0');
    const post = doc.paths['/v1/events'].post!;
    assert.deepEqual(Object.keys(post.responses).sort(), ['202', '400', '413', '415', '503']);
    assert.ok(post.parameters.some((p) => p.name === 'Idempotency-Key'));
    assert.match(post.description, new RegExp(`${DEFAULTS.maxBodyBytes} bytes`));
    const example = Object.fromEntries(Object.entries(doc.components.schemas.Event.properties).flatMap(([k, v]) => (v.example === undefined ? [] : [[k, v.example]])));
    assert.ok(checkEvent(example, Date.now()).ok, JSON.stringify(example));
  });
});

describe('producer client and a full backlog', () => {
  let app: RunningApp;
  let processor: Processor | null = null;
  before(async () => {
    app = await startServices({ config: { ...DEFAULTS, port: 0, demo: false, partitions: 1, ingestMaxLen: 100, logLevel: 'silent' }, roles: ['ingest'] });
  });
  after(async () => {
    await processor?.stop();
    await app.close();
  });

  test('503 backlog_full is retried after Retry-After until a processor drains the partition', async () => {
    const producer = new Producer({ url: `http://127.0.0.1:${app.port}`, maxAttempts: 20 });
    await producer.publishBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'full.t', value: i })));
    const started = Date.now();
    const pending = producer.publish({ topic: 'full.t', value: 100 });
    setTimeout(() => {
      processor = new Processor({ ingest: app.bus.ingest, coordination: app.bus.coordination, broker: app.bus.broker, state: app.bus.state, log: quiet, blockMs: 20 });
      void processor.start();
    }, 1500);
    const result = await pending;
    assert.ok(result.attempts >= 2, `${result.attempts} attempts`);
    assert.ok(Date.now() - started >= 1000, 'waited as Retry-After asked');
    assert.equal(result.accepted, 1);
    await eventually(async () => (await values(app, 'full.t')).length === 101, 5000, 'all published');
  });
});
