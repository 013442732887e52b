import type { Delivery } from '../routing/router.js';
import type { FanInBuffers } from '../routing/fan-in.js';
import type { PendingRequest } from '../model/types.js';

/**
 * Everything a run is at a superstep boundary, as immutable data: a checkpoint is a snapshot of this.
 * Outputs live in an append-only list owned by the run; `outputCount` marks this boundary's prefix.
 */
export interface RunState {
  /** Supersteps completed so far. */
  readonly superstep: number;
  /** Routed messages to deliver in the next superstep, in delivery order. */
  readonly queue: readonly Delivery[];
  /** State of every executor that has written any, by id; the others have their `initialState`. */
  readonly executorStates: Readonly<Record<string, unknown>>;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly fanIn: FanInBuffers;
  /** Requests asked and not yet answered, oldest first. */
  readonly pendingRequests: readonly PendingRequest[];
  readonly outputCount: number;
}
