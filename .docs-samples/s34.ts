import { WorkflowBuilder, createApprovalGate, executor, withApproval } from 'weft';
import { z } from 'zod';

const issueRefund = executor({
  id: 'refund',
  input: z.object({ order: z.string(), amount: z.number() }),
  concurrency: 4,
  handle: (r, ctx) => ctx.output(`refunded $${r.amount} on ${r.order}`),
});
const refund = withApproval(issueRefund, { describe: (r) => `Refund $${r.amount} on ${r.order}?` });
const intake = executor({ id: 'intake', input: z.array(z.object({ order: z.string(), amount: z.number() })), output: z.custom<{ order: string; amount: number }>(), handle: (all, ctx) => all.forEach((r) => ctx.send(r)) });
const workflow = new WorkflowBuilder({ name: 'refunds', start: intake }).addEdge(intake, refund).build();

const gate = createApprovalGate({
  onRequest: async (request) => {
    const { amount } = request.payload.input as { amount: number };
    return amount <= 50 ? { approved: true, reason: 'under $50' } : { approved: false, reason: 'needs a person' };
  },
  onDecision: (record) => console.log(`${record.description} → ${record.decision.approved ? 'yes' : 'no'} (${record.decidedBy})`),
  timeoutMs: 60_000,
});

const run = workflow.start([{ order: 'O-1', amount: 20 }, { order: 'O-2', amount: 900 }]);
gate.attach(run);
const result = await run.result;
console.log(result.outputs.length, gate.decisions.length); // 2 2 (one refund, one rejection)