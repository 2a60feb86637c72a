export * from './ingest-app.js';
export * from './parse-body.js';
export * from './openapi.js';
export * from './producer-client.js';
