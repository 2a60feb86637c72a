/**
 * Reads the load generator's messages out of a frame without parsing it as
 * JSON: every message carries `"topic":"…"`, then `"seq":N` and `"sent":N`
 * (microseconds since the epoch) in its data, whatever the server wraps it
 * in (an rt `msgs` frame, a Socket.IO event, a bare message). Scanning the
 * bytes keeps the clients cheap, so that on one machine the server, not
 * they, is the bottleneck.
 */

/** Called for each message found. */
export type MessageSink = (topic: string, seq: number, sentUs: number) => void;

const TOPIC = Buffer.from('"topic":"');
const SEQ = Buffer.from('"seq":');
const SENT = Buffer.from('"sent":');
const QUOTE = 0x22;

function intAt(bytes: Buffer, from: number): number {
  let n = 0;
  for (let i = from; i < bytes.length; i++) {
    const d = bytes[i] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/** Finds every message in a frame's payload; returns how many. */
export function scanMessages(bytes: Buffer, sink: MessageSink): number {
  let found = 0;
  let i = 0;
  for (;;) {
    i = bytes.indexOf(TOPIC, i);
    if (i < 0) return found;
    const start = i + TOPIC.length;
    const end = bytes.indexOf(QUOTE, start);
    const seqAt = bytes.indexOf(SEQ, end);
    const sentAt = bytes.indexOf(SENT, seqAt);
    if (end < 0 || seqAt < 0 || sentAt < 0) return found;
    sink(bytes.toString('latin1', start, end), intAt(bytes, seqAt + SEQ.length), intAt(bytes, sentAt + SENT.length));
    found++;
    i = sentAt;
  }
}
