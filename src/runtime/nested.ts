import { InternalError } from '../errors.js';
import { createExecutor } from '../executors/executor.js';
import type { Executor, ExecutorContext, PendingRequest } from '../model/types.js';
import { nestedInvocations, type ChildResult, type ChildSnapshot, type NestedInvocation } from './context.js';
import type { CompiledWorkflow } from './compiled.js';

/** Options of `workflow.asExecutor()` and `fromWorkflow()`. */
export interface NestedWorkflowOptions {
  /** The node's id in the parent graph. */
  readonly id: string;
  /**
   * What happens to the child's outputs: `'send'` (default) sends each along the node's edges in the parent;
   * `'output'` makes each an output of the parent run; `'collect'` sends them as one array, in order, once the
   * child completes (one message per child run, `[]` when it output nothing).
   */
  readonly outputs?: 'send' | 'output' | 'collect';
}

/** One waiting child: the child itself, and which parent request stands for which child request. */
interface WaitingChild {
  readonly child: ChildSnapshot;
  readonly requests: Readonly<Record<string, string>>;
}

/** The state of a nested node: every child run of it that waits for answers, by a key of its own. */
type WaitingChildren = Readonly<Record<string, WaitingChild>>;

/** The invocation the scheduler filed for this `ctx` when it started a nested node's attempt. */
function nestedInvocation(context: object, id: string): NestedInvocation {
  const invocation = nestedInvocations.get(context);
  if (invocation === undefined) throw new TypeError(`Nested workflow "${id}" can only run inside a weft run, with the ctx its node was given.`);
  return invocation;
}

/**
 * @internal An executor that runs a whole workflow per message. When the child waits for answers, its snapshot
 * is kept in this node's state (so it is part of the parent's checkpoint) and its requests surface as the
 * node's own, with the child's path; each answer resumes the child from that snapshot.
 */
export function createNestedExecutor<TInput, TOutput>(
  compiled: CompiledWorkflow,
  options: NestedWorkflowOptions,
): Executor<TInput, TOutput, WaitingChildren> {
  const definition = compiled.definition;
  const start = compiled.nodes.get(definition.start)?.executor;
  const mode = options.outputs ?? 'send';
  if (mode !== 'send' && mode !== 'output' && mode !== 'collect') {
    throw new TypeError(`Nested workflow "${options.id}": outputs must be 'send', 'output' or 'collect', got ${JSON.stringify(mode)}.`);
  }

  const settle = (
    result: ChildResult,
    context: ExecutorContext<TOutput, WaitingChildren>,
    invocation: NestedInvocation,
    key: string,
    known: Readonly<Record<string, string>>,
  ): void => {
    if (result.status === 'completed') {
      context.setState((children) => {
        delete (children as Record<string, WaitingChild>)[key];
      });
      if (mode === 'collect') {
        context.send(result.outputs as TOutput);
        return;
      }
      for (const value of result.outputs) {
        if (mode === 'send') context.send(value as TOutput);
        else context.output(value as TOutput);
      }
      return;
    }
    const mapping: Record<string, string> = { ...known };
    const surfaced = new Set(Object.values(known));
    for (const request of result.pendingRequests) {
      // Surfaced under the child's own id and path: the caller answers the id it saw, at any depth.
      if (!surfaced.has(request.id)) {
        const schema = result.responseSchemas[request.id];
        mapping[invocation.raise(request.payload, schema === undefined ? undefined : { response: schema }, request.path, request.id)] = request.id;
      }
    }
    context.setState((children) => {
      (children as Record<string, WaitingChild>)[key] = { child: result.snapshot, requests: mapping };
    });
  };

  return createExecutor<TInput, TOutput, WaitingChildren>({
    id: options.id,
    kind: 'workflow',
    input: start?.input,
    output: mode === 'send' ? definition.outputSchema : undefined,
    initialState: {},
    workflow: definition,
    handle: async (message: TInput, context: ExecutorContext<TOutput, WaitingChildren>) => {
      const invocation = nestedInvocation(context, options.id);
      // A key per child run: several messages may each leave a child waiting at once.
      settle(await invocation.runChild(compiled, { input: message }), context, invocation, globalThis.crypto.randomUUID(), {});
    },
    onResponse: async (response: unknown, request: PendingRequest, context: ExecutorContext<TOutput, WaitingChildren>) => {
      const invocation = nestedInvocation(context, options.id);
      const children = context.state;
      const key = Object.keys(children).find((k) => (children[k] as WaitingChild).requests[request.id] !== undefined);
      const waiting = key === undefined ? undefined : (children[key] as WaitingChild);
      if (key === undefined || waiting === undefined) {
        throw new InternalError(
          `Nested workflow "${options.id}" received an answer to "${request.id}", which none of its children's requests stands behind.`,
          { executorId: options.id },
        );
      }
      const { [request.id]: childRequest, ...rest } = waiting.requests;
      settle(
        await invocation.runChild(compiled, { snapshot: waiting.child, responses: { [childRequest as string]: response } }),
        context,
        invocation,
        key,
        rest,
      );
    },
  });
}
