export * from './processor.js';
export * from './rules.js';
