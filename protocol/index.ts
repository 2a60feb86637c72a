export * from './errors.js';
export * from './limits.js';
export * from './message-id.js';
export * from './messages.js';
export * from './topic.js';
export * from './client-frame.js';
export * from './server-frame.js';
export * from './reconnect-spread.js';
