import type { AnyExecutor, Executor } from '../model/types.js';
import type { NestedWorkflowOptions } from './nested.js';
import type { Workflow } from './workflow.js';

/**
 * Nests a workflow as one node of another (the same as `workflow.asExecutor(options)`).
 * @example
 * builder.addEdge(intake, fromWorkflow(review, { id: 'review' }));
 */
export function fromWorkflow<TInput, TOutput>(
  workflow: Workflow<TInput, TOutput, AnyExecutor>,
  options: NestedWorkflowOptions & { readonly outputs: 'collect' },
): Executor<TInput, TOutput[], unknown>;
/** Nests a workflow as one node of another (the same as `workflow.asExecutor(options)`). */
export function fromWorkflow<TInput, TOutput>(
  workflow: Workflow<TInput, TOutput, AnyExecutor>,
  options: NestedWorkflowOptions,
): Executor<TInput, TOutput, unknown>;
export function fromWorkflow<TInput, TOutput>(
  workflow: Workflow<TInput, TOutput, AnyExecutor>,
  options: NestedWorkflowOptions,
): Executor<TInput, unknown, unknown> {
  return workflow.asExecutor(options);
}
