import { MemoryCheckpointStore, WorkflowBuilder, createApprovalGate, executor, withApproval, type ApprovalDecision, type ApprovalRequest } from 'weft';
import { z } from 'zod';

const build = () => {
  const send = withApproval(executor({ id: 'send', input: z.string(), handle: (text, ctx) => ctx.output(`sent: ${text}`) }), { describe: (text) => `Send "${text}"?` });
  return new WorkflowBuilder({ name: 'mail', start: send }).build();
};
const store = new MemoryCheckpointStore();
const waiting = await build().run('hello', { checkpoints: store });   // status: 'waiting'

// Later, anywhere: decide what is pending and resume.
const gate = createApprovalGate({ onRequest: () => ({ approved: true, reason: 'newsletter policy' }) });
const responses: Record<string, ApprovalDecision> = {};
for (const request of waiting.pendingRequests) responses[request.id] = await gate.decide(request as ApprovalRequest);
const done = await build().resume(waiting.checkpointId as string, { checkpoints: store, responses });
console.log(done.outputs); // ['sent: hello']