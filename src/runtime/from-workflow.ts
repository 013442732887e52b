import type { AnyExecutor } from '../model/types.js';
import type { NestedWorkflowOptions } from './nested.js';
import type { NestedExecutor, Workflow } from './workflow.js';

/**
 * Nests a workflow as one node of another (the same as `workflow.asExecutor(options)`).
 * @example
 * builder.addEdge(intake, fromWorkflow(review, { id: 'review' }));
 */
export function fromWorkflow<TInput, TOutput, const TOptions extends NestedWorkflowOptions>(
  workflow: Workflow<TInput, TOutput, AnyExecutor>,
  options: TOptions,
): NestedExecutor<TInput, TOutput, TOptions> {
  return workflow.asExecutor(options);
}
