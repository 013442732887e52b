import { z } from 'zod';
import { WorkflowBuilder, adapter, executor } from 'weft';

const classify = executor({
  id: 'classify',
  input: z.string(),
  output: z.object({ label: z.string(), confidence: z.number() }),
  handle: (text, ctx) => ctx.send({ label: text.includes('!') ? 'urgent' : 'normal', confidence: 0.9 }),
});
const report = executor({ id: 'report', input: z.object({ title: z.string() }), handle: (m, ctx) => ctx.output(m.title) });

new WorkflowBuilder({ name: 'triage', start: classify })
  .addAdapter(classify, report, (result) => ({ title: `${result.label} (${result.confidence})` }))
  .build();

const toTitle = adapter('to-title', (result: { label: string }) => ({ title: result.label }));
new WorkflowBuilder({ name: 'triage-2', start: classify }).addChain([classify, toTitle, report]).build();