export { SqliteCheckpointStore, openSqlite } from './sqlite-checkpoint-store.js';
export type { SqliteCheckpointStoreOptions } from './sqlite-checkpoint-store.js';
export { SqliteRunStore, openSqliteRunStore } from './sqlite-run-store.js';
export type { SqliteRunStoreOptions } from './sqlite-run-store.js';
