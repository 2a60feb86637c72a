export * from './backoff.js';
export * from './connection.js';
export * from './connection-manager.js';
export * from './frame-chunks.js';
export * from './frame-scheduler.js';
export * from './gateway-url.js';
export * from './heartbeat.js';
export * from './listener.js';
export * from './ring-buffer.js';
export * from './topic-state.js';
export { SseSocket, sseUrlFor } from './sse-socket.js';
export * from './transport.js';
// token-source's own `configure` is wrapped by connection-manager's (token and transport).
export { pageTokenSource, TokenKeeper, tokenExpiry, watchPageToken, type RtConfiguration, type TokenSource } from './token-source.js';
