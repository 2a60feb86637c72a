export * from './bus.js';
export * from './ingest-event.js';
export * from './keys.js';
export * from './memory-bus.js';
export * from './partition.js';
export * from './redis-bus.js';
export * from './redis-connection.js';
