export { describeCheckpointStore } from './checkpoint-store-contract.js';
export type { CheckpointStoreFactory } from './checkpoint-store-contract.js';
