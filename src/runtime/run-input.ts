import { WorkflowInputError } from '../errors.js';
import { findNonJson } from '../internal/plain-json.js';
import { validateWith } from '../internal/schema.js';
import type { AnyExecutor } from '../model/types.js';

/**
 * Checks a run's input before anything runs: plain JSON when checkpoints will hold it, then the start executor's
 * schema. Throws a WorkflowInputError naming the workflow and the start executor.
 */
export async function checkRunInput(workflowName: string, start: AnyExecutor, input: unknown, plainJson: boolean): Promise<void> {
  if (plainJson) {
    const bad = findNonJson(input, undefined, 'input');
    if (bad !== undefined) {
      throw new WorkflowInputError(workflowName, start.id, [
        { message: `${bad.found} is not plain JSON, so checkpoint 0 could not restore it; pass plain data`, path: bad.path.split('.').slice(1) },
      ]);
    }
  }
  if (start.input === undefined) return;
  const checked = validateWith(start.input, input);
  const outcome = checked instanceof Promise ? await checked : checked;
  if (!outcome.ok) throw new WorkflowInputError(workflowName, start.id, outcome.issues);
}
