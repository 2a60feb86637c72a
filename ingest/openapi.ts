/**
 * The OpenAPI 3.1 description of the ingest API, served at
 * `GET /v1/openapi.json`. Limits come from the running configuration, so the
 * document tells a client what this process accepts.
 */
import { MAX_EVENT_DATA_CHARS, MAX_EVENT_DATA_DEPTH, MAX_IDEMPOTENCY_KEY_LENGTH } from '../bus/index.js';
import { TOPIC_MAX_LENGTH } from '../protocol/index.js';

export interface OpenApiLimits {
  maxBodyBytes: number;
  maxEvents: number;
  idempotencyWindowMs: number;
}

const problem = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'stable error code' },
    message: { type: 'string', description: 'what is wrong, for a human' },
    line: { type: 'integer', description: 'NDJSON line of a bad_json error' },
    items: {
      type: 'array',
      description: 'invalid events (invalid_events), at most 100',
      items: { type: 'object', required: ['index', 'message'], properties: { index: { type: 'integer' }, message: { type: 'string' } } },
    },
    partitions: { type: 'array', items: { type: 'integer' }, description: 'partitions over their backlog bound (backlog_full)' },
    topics: { type: 'array', items: { type: 'string' }, description: 'topics of the request in those partitions (backlog_full)' },
  },
};

const answer = (description: string, codes: string[]) => ({
  description: `${description} Error codes: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function openApiDocument(limits: OpenApiLimits): object {
  const event = {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    description: 'One producer event; needs `value` or `data` (or both).',
    properties: {
      topic: { type: 'string', maxLength: TOPIC_MAX_LENGTH, pattern: '^[A-Za-z0-9_:-]+(\\.[A-Za-z0-9_:-]+)*$', example: 'cpu.api' },
      value: { type: 'number', description: 'a finite number', example: 42.5 },
      data: { type: 'object', description: `a JSON object, at most ${MAX_EVENT_DATA_CHARS} characters of JSON and ${MAX_EVENT_DATA_DEPTH} levels deep`, example: { level: 'warn', msg: 'disk 91%' } },
      ts: { type: 'integer', minimum: 0, description: 'event time, epoch milliseconds (default: time of ingest)' },
      id: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
        pattern: '^[!-~]+$',
        description: `your id of the event: appended once per topic within ${limits.idempotencyWindowMs} ms; later events with the same topic and id are skipped as duplicates`,
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'rt ingest API',
      version: '1',
      description: 'Producers POST events; each accepted event (202) is kept until it is processed and published on its topic. See docs/ingest.md.',
    },
    paths: {
      '/v1/events': {
        post: {
          operationId: 'postEvents',
          summary: 'Append events to the ingest log',
          description: `All or nothing: if any event is invalid, none is appended. At most ${limits.maxEvents} events and ${limits.maxBodyBytes} bytes (after decompression) per request. Bodies may be compressed (Content-Encoding gzip, deflate or br).`,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[!-~]+$' },
              description: `Key of this request: a request with a key already used within ${limits.idempotencyWindowMs} ms appends nothing again (per partition). Send the same key when you retry.`,
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Event' }, { type: 'array', items: { $ref: '#/components/schemas/Event' } }] } },
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/Event' }, description: 'one event per line (also application/ndjson, application/jsonl)' },
            },
          },
          responses: {
            '202': {
              description: 'Accepted: kept until processed.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['accepted'],
                    properties: {
                      accepted: { type: 'integer', description: 'events appended' },
                      duplicates: { type: 'integer', description: 'events skipped as already appended (present when > 0)' },
                    },
                  },
                },
              },
            },
            '400': answer('The body or a header is malformed; nothing was appended.', ['empty_body', 'bad_json', 'no_events', 'invalid_events', 'bad_idempotency_key', 'bad_encoding']),
            '413': answer('Too large; nothing was appended.', ['body_too_large', 'too_many_events']),
            '415': answer('Content-Type, charset or Content-Encoding not accepted.', ['unsupported_media_type', 'unsupported_encoding']),
            '503': {
              ...answer('Not accepted now; retry after Retry-After seconds (with the same Idempotency-Key).', ['backlog_full', 'unavailable']),
              headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait' } },
            },
          },
        },
      },
      '/v1/openapi.json': { get: { operationId: 'openApi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 JSON' } } } },
    },
    components: { schemas: { Event: event, Problem: problem } },
  };
}
