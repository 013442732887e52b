export { bullmqPlacement, InvocationJobError } from './placement.js';
export type { BullmqPlacement, BullmqPlacementOptions, InvocationJobData } from './placement.js';
export { createWorker } from './worker.js';
export type { InvocationWorker, InvocationWorkerOptions } from './worker.js';
export { invocationJobId } from './job-id.js';
export type { BullmqConnection } from './connection.js';
