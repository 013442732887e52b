import { createExecutor } from '../executors/executor.js';
import type { Executor, ExecutorContext } from '../model/types.js';
import { InvocationContext } from './context.js';
import type { CompiledWorkflow } from './run.js';

/** Options of `workflow.asExecutor()` and `fromWorkflow()`. */
export interface NestedWorkflowOptions {
  /** The node's id in the parent graph. */
  readonly id: string;
  /**
   * What happens to the child's outputs: `'send'` (default) sends each along the node's edges in the parent;
   * `'output'` makes each an output of the parent run.
   */
  readonly outputs?: 'send' | 'output';
}

/** @internal An executor that runs a whole workflow per message. */
export function createNestedExecutor<TInput, TOutput>(compiled: CompiledWorkflow, options: NestedWorkflowOptions): Executor<TInput, TOutput, undefined> {
  const definition = compiled.definition;
  const start = compiled.executors.get(definition.start);
  const mode = options.outputs ?? 'send';
  if (mode !== 'send' && mode !== 'output') {
    throw new TypeError(`Nested workflow "${options.id}": outputs must be 'send' or 'output', got ${JSON.stringify(mode)}.`);
  }
  const handle = async (message: TInput, context: ExecutorContext<TOutput, undefined>): Promise<void> => {
    if (!(context instanceof InvocationContext)) {
      throw new TypeError(`Nested workflow "${options.id}" can only run inside a weft run.`);
    }
    const result = await context.runChild(compiled, message);
    for (const value of result.outputs) {
      if (mode === 'send') context.send(value as TOutput);
      else context.output(value);
    }
  };
  return createExecutor<TInput, TOutput, undefined>({
    id: options.id,
    kind: 'workflow',
    input: start?.input,
    output: mode === 'send' ? definition.outputSchema : undefined,
    handle,
    initialState: undefined,
    workflow: definition,
  });
}
