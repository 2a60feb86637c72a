/**
 * Reads the load generator's messages out of a frame without parsing it as
 * JSON: every message carries `"topic":"…"`, then `"seq":N` and `"sent":N`
 * (microseconds since the epoch) in its data, whatever the server wraps it
 * in (an rt `msgs` frame, a Socket.IO event, a bare message). Scanning keeps
 * the clients cheap, so that on one machine the server, not they, is the
 * bottleneck.
 */

/** Called for each message found. */
export type MessageSink = (topic: string, seq: number, sentUs: number) => void;

function intAt(text: string, from: number): number {
  let n = 0;
  for (let i = from; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

/** Finds every message in `text`; returns how many. */
export function scanMessages(text: string, sink: MessageSink): number {
  let found = 0;
  let i = 0;
  for (;;) {
    i = text.indexOf('"topic":"', i);
    if (i < 0) return found;
    const start = i + 9;
    const end = text.indexOf('"', start);
    const seqAt = text.indexOf('"seq":', end);
    const sentAt = text.indexOf('"sent":', seqAt);
    if (end < 0 || seqAt < 0 || sentAt < 0) return found;
    sink(text.slice(start, end), intAt(text, seqAt + 6), intAt(text, sentAt + 7));
    found++;
    i = sentAt;
  }
}
