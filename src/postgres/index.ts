export { PostgresCheckpointStore } from './postgres-checkpoint-store.js';
export type { PostgresCheckpointStoreOptions } from './postgres-checkpoint-store.js';
export { PostgresRunStore } from './postgres-run-store.js';
export type { PostgresRunStoreOptions } from './postgres-run-store.js';
export type { PostgresConnectionOptions } from './connection.js';
