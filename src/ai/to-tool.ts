import { tool, type FlexibleSchema, type Tool } from 'ai';
import { Workflow, WorkflowBuilder, type AnyExecutor, type RunOptions } from '../index.js';

/** Options of {@link toTool}. */
export interface ToToolOptions<TInput> {
  /** What the tool does, for the model. */
  readonly description: string;
  /** The tool's input schema (default: the input schema of the workflow's start executor). */
  readonly inputSchema?: FlexibleSchema<TInput>;
  /** Options of every run of the tool (limits, budget, checkpoints…); the model call's signal is added. */
  readonly runOptions?: Omit<RunOptions, 'signal'>;
}

const isWorkflow = (value: unknown): value is Workflow =>
  value instanceof Workflow ||
  (typeof value === 'object' && value !== null && typeof (value as Workflow).run === 'function' && 'definition' in value);

/**
 * A weft workflow (or a single executor) as an AI SDK tool: each call runs it to the end with the model call's
 * signal and returns its output (its outputs when there are several). A run that waits for an answer fails the call.
 * @example
 * const agent = aiAgent({ id: 'support', model, tools: { lookupOrder: toTool(orders, { description: 'Finds an order by id' }) } });
 */
export function toTool<TInput = unknown>(target: Workflow<TInput, any, any> | AnyExecutor, options: ToToolOptions<TInput>): Tool<TInput, unknown> {
  if (typeof options?.description !== 'string' || options.description === '') {
    throw new TypeError('toTool needs { description }: a sentence that tells the model what the tool does.');
  }
  let workflow: Workflow<any, any, any>;
  if (isWorkflow(target)) workflow = target;
  else if (typeof target === 'object' && target !== null && typeof (target as AnyExecutor).handle === 'function')
    workflow = new WorkflowBuilder({ name: (target as AnyExecutor).id, start: target as AnyExecutor }).build();
  else throw new TypeError(`toTool(target) takes a Workflow or an executor, got ${String(target)}.`);
  const start = workflow.definition.executors.find((executor) => executor.id === workflow.definition.start);
  const inputSchema = options.inputSchema ?? (start?.input as FlexibleSchema<TInput> | undefined);
  if (inputSchema === undefined) {
    throw new TypeError(
      `toTool: the start executor "${workflow.definition.start}" of "${workflow.name}" has no input schema, so the model would not know what to pass. Give it one, or pass toTool(…, { inputSchema }).`,
    );
  }
  return tool({
    description: options.description,
    inputSchema,
    execute: async (input: TInput, { abortSignal }: { abortSignal?: AbortSignal }) => {
      const result = await workflow.run(input, { ...options.runOptions, ...(abortSignal === undefined ? {} : { signal: abortSignal }) });
      if (result.status === 'waiting') {
        throw new Error(
          `The tool run of "${workflow.name}" waits for an answer to ${result.pendingRequests.length} request(s); a tool must run to the end. Remove the requests from the tool's workflow.`,
        );
      }
      return result.outputs.length === 1 ? result.outputs[0] : result.outputs;
    },
  } as never) as Tool<TInput, unknown>;
}
