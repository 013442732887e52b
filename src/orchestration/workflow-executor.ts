import { Workflow, WorkflowBuilder, fromFunction, type AnyExecutor, type Executor, type ExecutorContext, type Participant } from '../index.js';

/**
 * An executor that is also a small workflow of its own: connect it like any executor, or take its graph with
 * `toWorkflow()` to run it alone, draw it (`toMermaid()`) or test it.
 */
export type WorkflowExecutor<TInput, TOutput, TState = any, TAccepts = TInput, TYields = any, TResponse = any> = Executor<
  TInput,
  TOutput,
  TState,
  TAccepts,
  TYields,
  TResponse
> & {
  /** This helper as a workflow of its own; its run's outputs are what the executor sends. */
  toWorkflow(): Workflow<TAccepts, TOutput>;
};

/** @internal Adds `toWorkflow()` to an executor; the workflow is built on first use unless given. */
export function withWorkflow<TInput, TOutput, TState, TAccepts, TYields = any, TResponse = any>(
  base: Executor<TInput, TOutput, TState, TAccepts, TYields, TResponse>,
  workflow?: Workflow<any, any, any>,
): WorkflowExecutor<TInput, TOutput, TState, TAccepts, TYields, TResponse> {
  let built = workflow;
  const result: WorkflowExecutor<TInput, TOutput, TState, TAccepts, TYields, TResponse> = Object.freeze({
    ...base,
    toWorkflow: (): Workflow<TAccepts, TOutput> => (built ??= oneStepWorkflow(result, result.id)) as Workflow<TAccepts, TOutput>,
  });
  return result;
}

/** @internal A workflow of one executor whose sends are the run's outputs (until something is connected after it). */
export function oneStepWorkflow(step: AnyExecutor, name: string): Workflow<any, any, any> {
  // Declared here rather than at the top level: this module is loaded while index.ts is still being evaluated.
  class OneStepBuilder extends WorkflowBuilder<any, any, any> {
    constructor() {
      super({ name, start: step });
      this.outputWhenUnconnected(step);
    }
  }
  return new OneStepBuilder().build();
}

/** @internal A copy of `base` with other handlers (state, policies, kind and nested graph kept). */
export function rewrap(
  base: AnyExecutor,
  handlers: Pick<AnyExecutor, 'handle'> & Partial<Pick<AnyExecutor, 'onResponse' | 'response' | 'id' | 'yields'>>,
): AnyExecutor {
  return Object.freeze({ ...base, ...handlers });
}

/** @internal The name a participant goes by: an executor's id, a workflow's name, a function's name, or `fallback`. */
export function participantId(participant: Participant, fallback: string): string {
  if (typeof participant === 'function') return participant.name === '' ? fallback : participant.name;
  if (participant instanceof Workflow) return participant.name;
  return participant.id;
}

/**
 * @internal A participant as an executor placed directly in a graph: executors as they are, workflows nested,
 * functions adapted so that returning `undefined` fails with `hint` (a helper step must produce a value).
 */
export function toStep(participant: Participant, id: string, hint: string): AnyExecutor {
  if (participant instanceof Workflow) return participant.asExecutor({ id });
  if (typeof participant === 'function') {
    return fromFunction(id, async (message: unknown, context: ExecutorContext<any, undefined>) => {
      const value: unknown = await participant(message, context);
      if (value === undefined) throw new TypeError(`Step "${id}" returned undefined. ${hint}`);
      return value;
    });
  }
  if (typeof participant === 'object' && participant !== null && typeof participant.handle === 'function') return participant;
  throw new TypeError(`"${String(id)}" is not an executor, a function or a workflow.`);
}

/** @internal Throws when two steps of a helper's graph would share an id. */
export function checkUniqueIds(helper: string, ids: readonly string[], reserved: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (reserved.includes(id)) throw new TypeError(`${helper}: a step may not be called "${id}", which the helper uses itself. Give it another id.`);
    if (seen.has(id))
      throw new TypeError(`${helper}: two steps are called "${id}". Give each a unique id (executor id, workflow name or function name).`);
    seen.add(id);
  }
}
