import { z } from 'zod';
import { WorkflowBuilder, executor, type AnyExecutor, type Participant, type ParticipantInput, type ParticipantOutput } from '../index.js';
import { checkUniqueIds, participantId, rewrap, toStep, withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

/** How a {@link loop} ended: `until` held, or it ran `maxIterations` times without `until` holding. */
export interface LoopResult<TValue> {
  /** The body's last result. */
  readonly value: TValue;
  /** How many times the body ran. */
  readonly iterations: number;
  readonly reason: 'until' | 'maxIterations';
}

/** Options of {@link loop}. */
export interface LoopOptions<TValue> {
  /** The node's id in the graph it is used in, and its workflow's name (default `'loop'`). */
  readonly id?: string;
  /** Checked after every run of the body; the loop ends with `reason: 'until'` once it holds. */
  readonly until: (value: TValue, iteration: number) => boolean | Promise<boolean>;
  /** Required: the loop ends with `reason: 'maxIterations'` after this many runs of the body. */
  readonly maxIterations: number;
}

const ITERATION = 'weft.loop.iteration';
const RESERVED = ['enter', 'check'];
const anything = z.unknown();
const loopResultSchema = z.object({ value: z.unknown(), iterations: z.number().int().min(1), reason: z.enum(['until', 'maxIterations']) });

/**
 * Runs `body` on the input, then on its own result, until `until(result, iteration)` holds or `maxIterations`
 * runs are done, and sends `{ value, iterations, reason }`: running out of iterations is an outcome, not a hang and
 * not an error. The body (an executor, a function or a workflow) must send exactly one result per input. Each
 * iteration is a phase (`iteration N`), and every check emits `loop.iteration`. The small graph is
 * `enter → body → check → body …`: every iteration is two supersteps of it (more while the body waits for answers).
 * @example
 * const refine = loop(improveDraft, { until: (draft) => draft.score >= 0.9, maxIterations: 5 });
 */
export function loop<TBody extends Participant>(
  body: TBody & ([ParticipantOutput<TBody>] extends [ParticipantInput<TBody>] ? unknown : 'the loop body must accept what it returns'),
  options: LoopOptions<ParticipantOutput<TBody>>,
): WorkflowExecutor<ParticipantInput<TBody>, LoopResult<ParticipantOutput<TBody>>, unknown> {
  const id = options?.id ?? 'loop';
  const { maxIterations, until } = options ?? ({} as Partial<LoopOptions<unknown>>);
  if (!(Number.isInteger(maxIterations) && (maxIterations as number) >= 1)) {
    throw new TypeError(`loop "${id}" needs maxIterations, an integer ≥ 1 (got ${String(maxIterations)}), so that it always ends.`);
  }
  if (typeof until !== 'function') throw new TypeError(`loop "${id}" needs an until(value, iteration) function.`);
  const max = maxIterations as number;
  const bodyId = participantId(body as Participant, 'body');
  checkUniqueIds(`loop "${id}"`, [bodyId], RESERVED);
  const step: AnyExecutor = toStep(body as Participant, bodyId, 'A loop body returns the next value.');
  // The iteration number is in the loop's shared state, so the body's phase can be named after it.
  const iterationOf = (ctx: { readonly shared: { get<T>(key: string): T | undefined } }): number => ctx.shared.get<number>(ITERATION) ?? 1;
  const bodyNode = rewrap(step, { handle: (message, ctx) => ctx.phase(`iteration ${iterationOf(ctx)}`, () => step.handle(message, ctx)) });

  const enter = executor({
    id: 'enter',
    input: anything,
    output: anything,
    handle: (value, ctx) => {
      ctx.shared.set(ITERATION, 1);
      ctx.send(value);
    },
  });
  const check = executor({
    id: 'check',
    input: anything,
    output: anything,
    initialState: { superstep: 0 },
    handle: async (value, ctx) => {
      // Each iteration is checked in a superstep of its own: a second message in the same one is a second result.
      if (ctx.state.superstep === ctx.superstep) {
        throw new Error(`The body of loop "${id}" sent more than one message in one iteration; a loop body sends exactly one result per input.`);
      }
      ctx.setState((state) => {
        state.superstep = ctx.superstep;
      });
      const iteration = iterationOf(ctx);
      const done = await until(value as ParticipantOutput<TBody>, iteration);
      const reason = done ? 'until' : iteration >= max ? 'maxIterations' : undefined;
      ctx.emit('loop.iteration', { iteration, maxIterations: max, done: reason !== undefined, ...(reason === undefined ? {} : { reason }) });
      if (reason !== undefined) {
        ctx.output({ value, iterations: iteration, reason } satisfies LoopResult<unknown>);
        return;
      }
      ctx.shared.set(ITERATION, iteration + 1);
      ctx.send(value);
    },
  });

  // maxIterations bounds the loop (check counts every result); a body's requests add supersteps at a human's pace.
  // Only loop results leave the loop: anything else the body outputs (a default approval rejection, say) fails it.
  const workflow = new WorkflowBuilder({ name: id, start: enter, maxSupersteps: Infinity, output: loopResultSchema })
    .addEdge(enter, bodyNode)
    .addEdge(bodyNode, check)
    .addEdge(check, bodyNode)
    .build();
  return withWorkflow(workflow.asExecutor({ id }), workflow) as unknown as WorkflowExecutor<
    ParticipantInput<TBody>,
    LoopResult<ParticipantOutput<TBody>>,
    unknown
  >;
}
