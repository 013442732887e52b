import { WorkflowBuilder, agentStep, parallel, type Agent } from 'weft';

const researcher = (tokens: number): Agent => ({ run: async (q) => ({ text: `notes on ${q}`, usage: { tokens } }) });
const research = parallel([agentStep({ id: 'web', agent: researcher(700) }), agentStep({ id: 'docs', agent: researcher(500) })]);
const writer = agentStep({ id: 'write', agent: researcher(300), prompt: (notes: string[]) => notes.join('\n') });

const workflow = new WorkflowBuilder({ name: 'report', start: research }).addEdge(research, writer).build();
const events: string[] = [];
await workflow.stream('weft', { budget: { tokens: 1_000 } }).forEach((e) => {
  if (e.type === 'budget.exceeded') events.push(`${e.executorId}: ${e.refused ? 'refused' : 'used up'} at ${e.spent}`);
}).catch(() => undefined);
console.log(events); // ['docs: used up at 1200', 'write: refused at 1200']