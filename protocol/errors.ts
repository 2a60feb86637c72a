/**
 * Error codes sent in `error` frames and the WebSocket close codes the gateway
 * uses. Each is documented in docs/protocol.md under the same name.
 */

export const ErrorCode = {
  /** The frame is not valid JSON. */
  BadJson: 'bad_json',
  /** The frame is JSON but not an object with a string `op`. */
  BadFrame: 'bad_frame',
  /** `op` names no operation of this protocol version. */
  UnknownOp: 'unknown_op',
  /** A field of a known operation is missing or has the wrong type or range. */
  BadField: 'bad_field',
  /** A topic name breaks the topic syntax. */
  BadTopic: 'bad_topic',
  /** A `since` value is not a message id. */
  BadSince: 'bad_since',
  /** The frame would take the connection past its subscription limit. */
  TooManySubscriptions: 'too_many_subscriptions',
  /** The frame names more topics than one frame may carry. */
  TooManyTopics: 'too_many_topics',
  /** The gateway failed to serve the request (bus unavailable); retry later. */
  Unavailable: 'unavailable',
  /** The topic is neither public nor granted by this connection's token; the rest of the frame proceeds. */
  Forbidden: 'forbidden',
  /** An `auth` frame's token was refused (bad signature, wrong audience, expired…); the connection closes with 4401. */
  Unauthorized: 'unauthorized',
  /** The token expires soon (sent ahead of `exp`); send a fresh `auth` frame or the connection closes with 4401. */
  TokenExpired: 'token_expired',
  /** The connection sends frames faster than its rate limit; frames are dropped, and it closes with 4029 if it goes on. */
  RateLimited: 'rate_limited',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const CloseCode = {
  /** Normal closure (server shutting down cleanly uses 1001). */
  Normal: 1000,
  GoingAway: 1001,
  /** Frame larger than MAX_CLIENT_FRAME_BYTES. Sent by ws itself. */
  TooLarge: 1009,
  /** The gateway lost its live feed from the bus; reconnect and resume with `since`. */
  ServiceRestart: 1012,
  /** The client could not keep up and its send buffer passed the hard limit. */
  SlowConsumer: 4008,
  /** Too many frames per second after a `rate_limited` warning. */
  RateLimited: 4029,
  /** No valid token: missing within the auth deadline, refused, or expired without a fresh `auth`. Do not retry with the same token. */
  Unauthorized: 4401,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
