import { agentStep, createLimiter, type Agent } from 'weft';

// Any object with run(input, { signal }) → Promise<{ text, usage? }> is an agent. A fake for tests:
const classifier: Agent = {
  run: async (input) => ({ text: input.includes('refund') ? 'billing' : 'other', usage: { tokens: 42 } }),
};

const provider = createLimiter({ concurrency: 4, perSecond: 10 }); // shared by every run and step that gets it

const classify = agentStep({
  id: 'classify',
  agent: classifier,
  prompt: (ticket: { subject: string }) => `Classify: ${ticket.subject}`,
  reply: (reply, ticket) => ({ ...ticket, category: reply.text }),
  limiter: provider,
  retry: { attempts: 3, backoff: { initialMs: 200 } },
});

const result = await classify.toWorkflow().run({ subject: 'Please refund me' }, { budget: { tokens: 1_000 } });
console.log(result.outputs, result.budget); // [{ subject: 'Please refund me', category: 'billing' }] { limit: 1000, spent: 42 }