export * from './ingest-app.js';
export * from './parse-body.js';
