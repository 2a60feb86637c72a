/**
 * Gateway-built WebSocket frames are what `ws` itself would send: a valid
 * unmasked text frame header for every payload size, and a `msgs` payload
 * assembled from encoded message bytes identical to the protocol's string
 * form, whatever the characters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeMessagesFrame } from '../../protocol/index.js';
import { encodeMessagesFrameBytes, encodeTextFrame } from '../../gateway/ws-frame.js';

/** Reads back a server frame's header: FIN, opcode, payload. */
function parse(frame: Buffer): { fin: boolean; opcode: number; masked: boolean; payload: Buffer } {
  let length = frame[1] & 0x7f;
  let at = 2;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    length = Number(frame.readBigUInt64BE(2));
    at = 10;
  }
  assert.equal(frame.length, at + length, 'the header states the payload length exactly');
  return { fin: (frame[0] & 0x80) !== 0, opcode: frame[0] & 0x0f, masked: (frame[1] & 0x80) !== 0, payload: frame.subarray(at) };
}

test('a text frame has the shortest header for its length, at every boundary', () => {
  for (const size of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
    const text = 'é'.repeat(Math.floor(size / 2)) + 'a'.repeat(size % 2);
    const frame = encodeTextFrame(text);
    const { fin, opcode, masked, payload } = parse(frame);
    assert.ok(fin && !masked);
    assert.equal(opcode, 1);
    assert.equal(payload.toString('utf8'), text);
    const bytes = Buffer.byteLength(text);
    assert.equal(frame.length - bytes, bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10);
  }
});

test('a msgs frame assembled from encoded messages equals the protocol string, for any messages', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { maxLength: 40 }), fc.nat(40), fc.nat(40), (messages, a, b) => {
      const from = Math.min(a, b, messages.length);
      const to = Math.min(Math.max(a, b), messages.length);
      const frame = encodeMessagesFrameBytes(messages.map((m) => Buffer.from(m)), from, to);
      assert.equal(parse(frame).payload.toString('utf8'), encodeMessagesFrame(messages.slice(from, to)));
    }),
  );
});
