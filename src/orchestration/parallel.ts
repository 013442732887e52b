import { z } from 'zod';
import {
  Workflow,
  WorkflowBuilder,
  executor,
  type AnyExecutor,
  type CommonInput,
  type ExecutorContext,
  type Participant,
  type ParticipantOutput,
} from '../index.js';
import { checkUniqueIds, oneStepWorkflow, participantId, rewrap, toStep, withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

/** How {@link parallel} treats a failed branch: fail (`'all'`) or yield `null` in its place (`'settled'`). */
export type ParallelMode = 'all' | 'settled';

/** Options of {@link parallel}. */
export interface ParallelOptions<TMode extends ParallelMode = 'all'> {
  /** The node's id in the graph it is used in, and its workflow's name (default `'parallel'`). */
  readonly id?: string;
  /** `'all'` (default): a failed branch fails the node. `'settled'`: it yields `null` and the others go on. */
  readonly mode?: TMode;
  /** At most this many branch handlers run at once (default: all of them). */
  readonly concurrency?: number;
}

/** What {@link parallel} sends: one result per branch, in branch order (`null` for a failed branch in `'settled'` mode). */
export type ParallelResults<TBranches extends readonly unknown[], TMode extends ParallelMode = 'all'> = {
  -readonly [K in keyof TBranches]: TMode extends 'settled' ? ParticipantOutput<TBranches[K]> | null : ParticipantOutput<TBranches[K]>;
};

const anything = z.unknown();
const RESERVED = ['dispatch', 'gather', 'collect'];

/**
 * Runs every branch on the same input at once and sends their results as one tuple, in branch order: a barrier.
 * Each branch (an executor, a function or a workflow) runs as a child run of its own, so its retries and timeout
 * apply inside it and, in `'settled'` mode, its final failure becomes `null` (after its `executor.failed` event).
 * Each branch is a phase named after it (`phase.started` / `phase.completed`).
 * @example
 * const research = parallel([billing, account, policy], { id: 'research', mode: 'settled', concurrency: 2 });
 * builder.addEdge(triage, research).addEdge(research, decide);
 */
export function parallel<const TBranches extends readonly Participant[], TMode extends ParallelMode = 'all'>(
  branches: TBranches,
  options: ParallelOptions<TMode> = {},
): WorkflowExecutor<CommonInput<TBranches>, ParallelResults<TBranches, TMode>, unknown> {
  const id = options.id ?? 'parallel';
  const mode: ParallelMode = options.mode ?? 'all';
  if (mode !== 'all' && mode !== 'settled') throw new TypeError(`parallel "${id}": mode must be 'all' or 'settled', got ${JSON.stringify(mode)}.`);
  if (!Array.isArray(branches)) throw new TypeError(`parallel "${id}" takes an array of branches (executors, functions or workflows).`);
  const { concurrency } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new TypeError(`parallel "${id}": concurrency must be an integer ≥ 1, got ${concurrency}.`);
  }
  const ids = branches.map((branch, index) => participantId(branch, `branch-${index + 1}`));
  checkUniqueIds(`parallel "${id}"`, ids, RESERVED);
  const nodes = branches.map((branch, index) => branchNode(branch, ids[index] as string, mode));

  const dispatch = executor({ id: 'dispatch', input: anything, output: anything, handle: (message, ctx) => ctx.send(message) });
  const gather = executor({ id: 'gather', input: anything, handle: (results, ctx) => ctx.output(results) });
  const empty = executor({ id: 'dispatch', input: anything, handle: (_message, ctx) => ctx.output([]) });
  const limits = concurrency === undefined ? {} : { maxConcurrency: concurrency };
  const builder = new WorkflowBuilder({ name: id, start: nodes.length === 0 ? empty : dispatch, ...limits });
  if (nodes.length === 1) {
    const only = nodes[0] as AnyExecutor;
    builder.addEdge(dispatch, only).addAdapter(only, gather, (result: unknown) => [result], { id: 'collect' });
  } else if (nodes.length > 1) {
    builder.addFanOut(dispatch, nodes).addFanIn(nodes, gather);
  }
  const workflow = builder.build();
  return withWorkflow(workflow.asExecutor({ id }), workflow) as unknown as WorkflowExecutor<
    CommonInput<TBranches>,
    ParallelResults<TBranches, TMode>,
    unknown
  >;
}

/** A branch as a node of the parallel graph: a child run in a phase, whose failure is `null` when settled. */
function branchNode(branch: Participant, id: string, mode: ParallelMode): AnyExecutor {
  const child =
    branch instanceof Workflow
      ? branch.asExecutor({ id })
      : oneStepWorkflow(toStep(branch, id, 'A parallel branch sends one result per input; return null for "no result".'), id).asExecutor({ id });
  const guarded = async (work: () => void | Promise<void>, ctx: ExecutorContext<unknown, unknown>): Promise<void> => {
    try {
      await ctx.phase(id, work);
    } catch (error) {
      if (mode === 'all' || ctx.signal.aborted) throw error;
      ctx.setState(() => null); // forget a child that was waiting for an answer
      ctx.send(null);
    }
  };
  const onResponse = child.onResponse as NonNullable<AnyExecutor['onResponse']>;
  return rewrap(child, {
    handle: (message, ctx) => guarded(() => child.handle(message, ctx), ctx),
    onResponse: (response, request, ctx) => guarded(() => onResponse(response, request, ctx), ctx),
  });
}
