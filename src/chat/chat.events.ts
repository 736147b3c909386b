/**
 * The typed contract of the Socket.IO API (namespace `/chat`) lives in `src/contract/`, shared with the
 * tests, the benchmark and the web client; it is re-exported here for the server's own imports.
 */
export * from '../contract/socket-events';
export type { PresenceState } from '../contract/users';
