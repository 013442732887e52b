// The durability cases, each a function of a store factory, so that every checkpoint store can run them.
export { stateCases } from './cases/state.js';
export { checkpointCases } from './cases/checkpoints.js';
export { deltaCases } from './cases/delta.js';
export { durabilityCases } from './cases/durability.js';
export { resumeCases } from './cases/resume.js';
export { requestCases } from './cases/requests.js';
export { nestedRequestCases } from './cases/nested-requests.js';
export type { StoreFactory } from './helpers.js';
