// A run record as a runtime first stores it, for store tests that create runs by hand.
import type { RunRecord } from 'weft';

/** A `running` run with nothing done yet: workflow `workflow`, input 1, created and updated at `at`. */
export const runningRecord = (id: string, workflow = 'w', at = 1): RunRecord => ({
  id,
  workflow,
  status: 'running',
  input: 1,
  outputs: [],
  pendingRequests: [],
  error: undefined,
  checkpointId: undefined,
  createdAt: at,
  updatedAt: at,
});
