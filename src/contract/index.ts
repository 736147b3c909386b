/**
 * The API contract (API.md) as plain TypeScript: every REST response body and every Socket.IO event.
 * Clients (the web client, tests, benchmarks) import only from here; the server's Swagger response
 * classes `implements` these types, so the two cannot drift apart silently. Nothing here may import
 * from outside this folder or carry decorators: it must compile for the browser as it is.
 *
 * Only what the server serves today is here: API.md's attachments, threads, Web Push, bots and webhooks,
 * account lifecycle and AsyncAPI sections have no types yet, since a type here is a promise to clients.
 */
export * from './auth';
export * from './conversations';
export * from './errors';
export * from './messages';
export * from './socket-events';
export * from './sync';
export * from './users';
