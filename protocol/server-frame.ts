/**
 * Encoding of gateway frames. Messages are serialized once, when they enter
 * the gateway (`encodeMessage`); a `msgs` frame is then the concatenation of
 * already-serialized messages, so fan-out to N clients costs N string joins,
 * not N JSON.stringify calls.
 */
import type { AuthedFrame, ErrorFrame, GapFrame, HelloFrame, MessageBody, ResetFrame, ServerFrame, SubscribedFrame, UnsubscribedFrame } from './messages.js';

/**
 * Serializes one message from its topic, id and the JSON of its body (as
 * stored in history: an object with `ts` and `value` and/or `data`).
 * The body is spliced in without re-parsing; `bodyJson` must be a JSON object
 * produced by `encodeBody`.
 */
export function encodeMessage(topic: string, id: string, bodyJson: string): string {
  // Topic and id are validated to contain no characters that need escaping.
  return '{"topic":"' + topic + '","id":"' + id + '",' + bodyJson.slice(1);
}

/** Serializes a message body for storage in a history stream. */
export function encodeBody(body: MessageBody): string {
  // The common shape, a number and no data, without an intermediate object:
  // a finite number's String() is its JSON.
  if (body.data === undefined && typeof body.value === 'number' && Number.isFinite(body.value) && Number.isFinite(body.ts)) {
    return '{"ts":' + body.ts + ',"value":' + body.value + '}';
  }
  const out: MessageBody = { ts: body.ts };
  if (body.value !== undefined) out.value = body.value;
  if (body.data !== undefined) out.data = body.data;
  return JSON.stringify(out);
}

/**
 * What comes before and after the comma-separated messages of a `msgs`
 * frame; the gateway assembles frames from already-encoded message bytes
 * with these.
 */
export const MESSAGES_FRAME_HEAD = '{"op":"msgs","msgs":[';
export const MESSAGES_FRAME_TAIL = ']}';

/** Builds a `msgs` frame from already-serialized messages. */
export function encodeMessagesFrame(serialized: readonly string[]): string {
  return MESSAGES_FRAME_HEAD + serialized.join(',') + MESSAGES_FRAME_TAIL;
}

export function encodeHello(frame: Omit<HelloFrame, 'op'>): string {
  return JSON.stringify({ op: 'hello', ...frame });
}

export function encodeSubscribed(topics: string[], ref?: number, epochs?: string[]): string {
  const frame: SubscribedFrame = { op: 'subscribed', topics };
  if (epochs !== undefined) frame.epochs = epochs;
  if (ref !== undefined) frame.ref = ref;
  return JSON.stringify(frame);
}

export function encodeUnsubscribed(topics: string[], ref?: number): string {
  const frame: UnsubscribedFrame = { op: 'unsubscribed', topics };
  if (ref !== undefined) frame.ref = ref;
  return JSON.stringify(frame);
}

export function encodeGap(topic: string, since: string, next?: string): string {
  const frame: GapFrame = { op: 'gap', topic, since };
  if (next !== undefined) frame.next = next;
  return JSON.stringify(frame);
}

export function encodeReset(topic: string, epoch: string, since: string): string {
  const frame: ResetFrame = { op: 'reset', topic, epoch, since };
  return JSON.stringify(frame);
}

export function encodePong(ref?: number): string {
  return ref === undefined ? '{"op":"pong"}' : '{"op":"pong","ref":' + ref + '}';
}

export function encodeAuthed(frame: Omit<AuthedFrame, 'op'>): string {
  return JSON.stringify({ op: 'authed', ...frame });
}

export function encodeError(error: Omit<ErrorFrame, 'op'>): string {
  return JSON.stringify({ op: 'error', ...error });
}

/**
 * Parses a gateway frame on the client. The gateway is trusted, so this only
 * checks the shape enough to dispatch safely; unknown ops return null so newer
 * gateways can add frames without breaking older clients.
 */
export function decodeServerFrame(text: string): ServerFrame | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const op = (parsed as { op?: unknown }).op;
  switch (op) {
    case 'hello':
    case 'subscribed':
    case 'unsubscribed':
    case 'msgs':
    case 'gap':
    case 'reset':
    case 'pong':
    case 'authed':
    case 'error':
      return parsed as ServerFrame;
    default:
      return null;
  }
}
