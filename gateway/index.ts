export * from './flush-scheduler.js';
export * from './gateway.js';
export * from './histogram.js';
export * from './registry.js';
export * from './session.js';
export * from './static-routes.js';
