export * from './processor.js';
export * from './router.js';
