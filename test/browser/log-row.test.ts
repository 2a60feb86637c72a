import { eventRow, gapRow } from '../../widgets/event-log/log-row.js';
import { deepEqual, equal } from './support/assert.js';

const base = { topic: 't', id: '5-0', ts: 5 };

describe('event log rows', () => {
  it('take the level from data.level, folding common spellings, and default to info', () => {
    const level = (value: unknown) => eventRow({ ...base, data: { level: value as string, msg: 'x' } }).level;
    deepEqual(['warning', 'WARN', 'err', 'fatal', 'debug', 'trace', 'info', 'weird', 7].map(level), ['warn', 'warn', 'error', 'error', 'debug', 'debug', 'info', 'info', 'info']);
  });

  it('take the text from data.msg, then data.message, then the JSON of data, then the value', () => {
    equal(eventRow({ ...base, data: { msg: 'a', message: 'b' } }).text, 'a');
    equal(eventRow({ ...base, data: { message: 'b' } }).text, 'b');
    equal(eventRow({ ...base, data: { n: 1 } }).text, '{"n":1}');
    equal(eventRow({ ...base, value: 3.5 }).text, '3.5');
  });

  it('cut huge payloads short', () => {
    equal(eventRow({ ...base, data: { msg: 'x'.repeat(10_000) } }).text.length, 2001);
  });

  it('give each gap marker its own key', () => {
    const a = gapRow({ op: 'gap', topic: 't', since: '1-0', next: '9-0' });
    const b = gapRow({ op: 'gap', topic: 't', since: '1-0' });
    equal(a.kind, 'gap');
    equal(a.next, '9-0');
    equal(a.key === b.key, false);
  });
});
