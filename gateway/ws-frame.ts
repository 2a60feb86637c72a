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

/** Frames a UTF-8 text payload as one unmasked, final text frame. */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
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
  frame.write(text, header, 'utf8');
  return frame;
}
