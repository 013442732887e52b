import { z } from 'zod';
import { ConcurrentBuilder, WorkflowBuilder, executor, fromFunction } from 'weft';

const analysis = new ConcurrentBuilder({
  name: 'analysis',
  participants: [fromFunction('tone', (text: string) => text.length > 10), fromFunction('words', (text: string) => text.split(' ').length)],
  aggregate: ([long, count]) => ({ long, count }),
});
const intake = fromFunction('intake', (text: string) => text.trim());
const report = executor({ id: 'report', input: z.object({ long: z.boolean(), count: z.number() }), handle: (r, ctx) => ctx.output(r) });

const builder = new WorkflowBuilder({ name: 'review', start: intake });
const inlined = builder.addWorkflow(analysis, { prefix: 'analysis' });
builder
  .addEdge(intake, inlined.entry)      // entry: typed by the analysis' input (string)
  .addEdge(inlined.exit, report);      // exit: the aggregator, typed { long, count }; a mismatch does not compile