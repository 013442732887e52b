import type { CheckpointStore } from '../checkpoint/store.js';
import { RunExistsError } from '../errors.js';

/** Refuses to start a new run under an id that already has checkpoints in `store`: two runs would mix in one history. */
export async function refuseExistingRun(store: CheckpointStore, runId: string, workflowName: string): Promise<void> {
  if ((await store.latest(runId)) !== undefined) throw new RunExistsError(runId, workflowName);
}
