// Workflows served by the server tests (and by the child server process of the crash test).
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

/** { n } → 2n, in one superstep. */
const doubler = executor({ id: 'double', input: z.object({ n: z.number() }), handle: ({ n }, ctx) => ctx.output(n * 2) });
export const double = new WorkflowBuilder({ name: 'double', start: doubler, output: z.number() }).build();

/** Asks for approval of an amount; outputs "approved <amount>" or "rejected <amount>". */
const approver = executor({
  id: 'approver',
  input: z.object({ amount: z.number() }),
  response: z.object({ approved: z.boolean() }),
  initialState: { amount: 0 },
  handle: ({ amount }, ctx) => {
    ctx.setState((state) => {
      state.amount = amount;
    });
    ctx.request({ question: `Pay ${amount}?` });
  },
  onResponse: (answer, _request, ctx) => ctx.output(`${answer.approved ? 'approved' : 'rejected'} ${ctx.state.amount}`),
});
export const approval = new WorkflowBuilder({ name: 'approval', start: approver, output: z.string() }).build();

/** Counts from `from` up to `to`, one superstep per number, waiting for `gate(n)` before each step. */
export function counter(gate: (n: number) => Promise<void> = async () => undefined) {
  const step = executor({
    id: 'step',
    input: z.object({ n: z.number(), to: z.number() }),
    output: z.object({ n: z.number(), to: z.number() }),
    handle: async ({ n, to }, ctx) => {
      await gate(n);
      ctx.output(n);
      if (n < to) ctx.send({ n: n + 1, to });
    },
  });
  return new WorkflowBuilder({ name: 'counter', start: step, output: z.number() }).addEdge(step, step).build();
}

/** Always fails. */
const thrower = executor({
  id: 'thrower',
  input: z.string(),
  handle: (text) => {
    throw new Error(`cannot handle ${text}`);
  },
});
export const failing = new WorkflowBuilder({ name: 'failing', start: thrower }).build();
