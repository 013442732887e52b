// A one-step workflow behind an approval, for the tests of approve, reject and typed answers.
import { z } from 'zod';
import { WorkflowBuilder, executor, withApproval } from 'weft';

/** Pays an amount once approved; a rejection becomes a string output with its reason. */
const pay = executor({
  id: 'pay',
  input: z.object({ amount: z.number() }),
  yields: z.string(),
  handle: ({ amount }, ctx) => ctx.output(`paid ${amount}`),
});

export const approvedPay = withApproval(pay, {
  describe: ({ amount }) => `Pay ${amount}?`,
  onReject: (rejection, ctx) => ctx.output(`refused ${rejection.input.amount}${rejection.reason === undefined ? '' : ` (${rejection.reason})`}`),
});

export const payments = new WorkflowBuilder({ name: 'payments', start: approvedPay, output: z.string() }).build();
