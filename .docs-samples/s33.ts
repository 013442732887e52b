import { WorkflowBuilder, executor, withApproval, type ApprovalRequest } from 'weft';
import { z } from 'zod';

const refundSchema = z.object({ order: z.string(), amount: z.number().positive() });
const issueRefund = executor({
  id: 'refund',
  input: refundSchema,
  output: z.string(),
  handle: (refund, ctx) => ctx.send(`refunded $${refund.amount} on ${refund.order}`),
});
const refund = withApproval(issueRefund, { describe: (r) => `Refund $${r.amount} on order ${r.order}?` });
const notify = executor({ id: 'notify', input: z.string(), handle: (text, ctx) => ctx.output(text) });
const workflow = new WorkflowBuilder({ name: 'refunds', start: refund }).addEdge(refund, notify).build();

const run = workflow.start({ order: 'O-1', amount: 80 });
run.events$.subscribe(async (event) => {
  if (event.type !== 'request.created') return;
  const request = event.request as ApprovalRequest;
  console.log(request.payload.description);                             // Refund $80 on order O-1?
  await run.respond(request.id, { approved: true, input: { order: 'O-1', amount: 50 } }); // approve, for less
});
console.log((await run.result).outputs);                                // ['refunded $50 on O-1']