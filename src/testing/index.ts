export { describeCheckpointStore } from './checkpoint-store-contract.js';
export type { CheckpointStoreFactory } from './checkpoint-store-contract.js';
export { describeRunStore } from './run-store-contract.js';
export type { RunStoreFactory } from './run-store-contract.js';
export { jsonPlacement } from './json-placement.js';
export type { JsonPlacement } from './json-placement.js';
