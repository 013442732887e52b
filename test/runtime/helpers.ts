export { deferred, tick, until, InFlight, record, types, ofType, caught, Gates, aborted, settled } from '../support/async.js';
export type { Deferred, Recorded } from '../support/async.js';
