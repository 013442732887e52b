// The checks a handler's writes pass at once, wherever the handler runs (in the run's process or on a worker).
import { OutputValidationError, RoutingError, UnknownExecutorError } from '../errors.js';
import { formatIssues, validateWith } from '../internal/schema.js';
import type { AnyExecutor, Schema } from '../model/types.js';
import type { CompiledWorkflow } from './compiled.js';

/** Throws unless `sourceId` may send to `to` in this graph. */
export function checkSend(compiled: CompiledWorkflow, sourceId: string, to: string, runId: string, superstep: number): void {
  const { definition, nodes } = compiled;
  if (!nodes.has(to)) {
    throw new UnknownExecutorError(
      to,
      `Executor "${sourceId}" sent to "${to}", which is not in workflow "${definition.name}". Use the id of a connected executor.`,
      { runId, executorId: sourceId, superstep },
    );
  }
  if (nodes.get(sourceId)?.routes.reachable.has(to) !== true) {
    throw new RoutingError(
      `${sourceId}->${to}`,
      `Executor "${sourceId}" sent to "${to}", but no edge connects them. Add builder.addEdge("${sourceId}", "${to}") or send without { to }.`,
      { runId, executorId: sourceId, superstep },
    );
  }
}

/** Throws unless `value` matches the `yields` schema of the executor that outputs it (which must validate synchronously). */
export function checkYields(executor: AnyExecutor, value: unknown, runId: string, superstep: number): void {
  const outcome = validateWith(executor.yields as Schema, value);
  if (outcome instanceof Promise) {
    throw new OutputValidationError(`Executor "${executor.id}" has an asynchronous yields schema; yields schemas must validate synchronously.`, [], {
      runId,
      executorId: executor.id,
      superstep,
    });
  }
  if (!outcome.ok) {
    throw new OutputValidationError(
      `Executor "${executor.id}" output a value that does not match its own yields schema: ${formatIssues(outcome.issues)}. Output what yields declares, or change the schema.`,
      outcome.issues,
      { runId, executorId: executor.id, superstep },
    );
  }
}

/** Throws unless `value` matches the workflow's output schema (which must validate synchronously). */
export function checkOutput(compiled: CompiledWorkflow, executorId: string, value: unknown, runId: string, superstep: number): void {
  const schema = compiled.definition.outputSchema;
  if (schema === undefined) return;
  const outcome = validateWith(schema, value);
  if (outcome instanceof Promise) {
    throw new OutputValidationError(
      `Workflow "${compiled.definition.name}" has an asynchronous output schema; output schemas must validate synchronously.`,
      [],
      { executorId },
    );
  }
  if (!outcome.ok) {
    throw new OutputValidationError(
      `Executor "${executorId}" output a value that does not match the output schema of workflow "${compiled.definition.name}": ${formatIssues(outcome.issues)}.`,
      outcome.issues,
      { runId, executorId, superstep },
    );
  }
}
