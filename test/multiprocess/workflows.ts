// The workflows of the multi-process tests. Their handlers record each side effect as one line appended to a file
// (O_APPEND: lines from several processes never mix), so the parent can count what ran, across processes.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { WorkflowBuilder, executor, withApproval } from 'weft';

/** One side effect as the effects file records it. */
export interface Effect {
  readonly runId: string;
  readonly superstep: number;
  readonly pid: number;
  readonly what: string;
}

const effect = (file: string, line: Omit<Effect, 'pid'>): void => appendFileSync(file, `${JSON.stringify({ ...line, pid: process.pid })}\n`);

/** A refund that asks for approval first; paying it is the side effect. */
export function refund(effects: string) {
  const pay = executor({
    id: 'pay',
    input: z.object({ order: z.number(), amount: z.number() }),
    output: z.string(),
    handle: ({ order, amount }, ctx) => {
      effect(effects, { runId: ctx.runId, superstep: ctx.superstep, what: `pay ${order}` });
      ctx.output(`paid ${amount} for order ${order}`);
    },
  });
  return new WorkflowBuilder({
    name: 'refund',
    start: withApproval(pay, { describe: ({ order, amount }) => `Refund ${amount} for order ${order}?` }),
  }).build();
}

/**
 * `step` loops on itself from `at` to `to`, one superstep each, outputting `at` and recording a side effect. `hold`
 * may hold an invocation before its side effect.
 */
export function steps(effects: string, hold?: (runId: string, superstep: number) => void | Promise<void>) {
  const step = executor({
    id: 'step',
    input: z.object({ at: z.number(), to: z.number() }),
    output: z.object({ at: z.number(), to: z.number() }),
    handle: async ({ at, to }, ctx) => {
      await hold?.(ctx.runId, ctx.superstep);
      effect(effects, { runId: ctx.runId, superstep: ctx.superstep, what: `step ${at}` });
      ctx.output(at);
      if (at < to) ctx.send({ at: at + 1, to });
    },
  });
  return new WorkflowBuilder({ name: 'steps', start: step }).addEdge(step, step).build();
}
