import { MESSAGES_FRAME_HEAD, MESSAGES_FRAME_TAIL } from '../protocol/index.js';

/**
 * WebSocket framing of gateway text frames (RFC 6455 §5.2: server frames are
 * unmasked). A frame is built once as one Buffer, header and payload
 * together, so a fan-out writes the very same bytes to every socket with one
 * `write` each and no per-recipient encoding or allocation. This is the
 * framing `ws`'s Sender does per `send`; doing it here is what lets a frame
 * be shared. Only used with permessage-deflate off (the gateway never
 * negotiates it).
 */

const FIN_TEXT = 0x81;

const HEAD = Buffer.from(MESSAGES_FRAME_HEAD);
const TAIL = Buffer.from(MESSAGES_FRAME_TAIL);
const COMMA = 0x2c;

/** Allocates a text frame of `length` payload bytes with its header written; returns it and the payload's offset. */
function allocTextFrame(length: number): { frame: Buffer; offset: number } {
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_TEXT;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  return { frame, offset: header };
}

/** Frames a UTF-8 text payload as one unmasked, final text frame. */
export function encodeTextFrame(text: string): Buffer {
  const { frame, offset } = allocTextFrame(Buffer.byteLength(text));
  frame.write(text, offset, 'utf8');
  return frame;
}

/**
 * Frames a `msgs` frame of `messages[from..to)`, each already UTF-8 encoded
 * (once, when it entered the gateway): the payload is assembled by copying
 * bytes, with no string building or encoding per connection.
 */
export function encodeMessagesFrameBytes(messages: readonly Buffer[], from = 0, to = messages.length): Buffer {
  let length = HEAD.length + TAIL.length + Math.max(0, to - from - 1);
  for (let i = from; i < to; i++) length += messages[i].length;
  const { frame, offset } = allocTextFrame(length);
  let at = offset + HEAD.copy(frame, offset);
  for (let i = from; i < to; i++) {
    if (i > from) frame[at++] = COMMA;
    at += messages[i].copy(frame, at);
  }
  TAIL.copy(frame, at);
  return frame;
}
