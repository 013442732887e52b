import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

const refundSchema = z.object({ orderId: z.string(), amount: z.number() });

const approver = executor({
  id: 'approver',
  input: refundSchema,
  output: z.object({ orderId: z.string(), amount: z.number(), note: z.string() }),
  response: z.object({ approved: z.boolean(), note: z.string().optional() }),   // the shape of an answer
  initialState: { waiting: null as z.infer<typeof refundSchema> | null },
  handle: (refund, ctx) => {
    ctx.setState((state) => {
      state.waiting = refund;
    });
    ctx.request({ question: `Refund $${refund.amount} for ${refund.orderId}?` });   // returns the request id
  },
  onResponse: (answer, _request, ctx) => {                    // answer is typed by `response`
    const refund = ctx.state.waiting;
    if (refund !== null && answer.approved) ctx.send({ ...refund, note: answer.note ?? '' });
  },
});
const pay = executor({
  id: 'pay',
  input: z.object({ orderId: z.string(), amount: z.number(), note: z.string() }),
  handle: (refund, ctx) => ctx.output(`paid $${refund.amount} for ${refund.orderId}`),
});

export const workflow = new WorkflowBuilder({ name: 'refund', start: approver }).addEdge(approver, pay).build();