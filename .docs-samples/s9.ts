import { z } from 'zod';
import { ConcurrentBuilder, WorkflowBuilder, executor, fromFunction } from 'weft';

const tone = fromFunction('tone', (text: string) => (text.includes('!') ? 'excited' : 'calm'));
const words = fromFunction('words', (text: string) => text.split(' ').length);
const analysis = new ConcurrentBuilder({ name: 'analysis', participants: [tone, words] });

const intake = fromFunction('intake', (text: string) => text.trim());
const report = executor({
  id: 'report',
  input: z.tuple([z.string(), z.number()]),
  handle: ([mood, count], ctx) => ctx.output(`${mood}, ${count} words`),
});

const workflow = new WorkflowBuilder({ name: 'review', start: intake })
  .merge(analysis, { prefix: 'analysis' })           // analysis/dispatcher, analysis/tone, …, analysis/aggregator
  .addEdge(intake, 'analysis/dispatcher')
  .addEdge('analysis/aggregator', report)
  .build();

await workflow.run(' What a day! ');                 // outputs: ['excited, 3 words']