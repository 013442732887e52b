// The workflow every process of the example serves: the same code in each, as in any deployment.
import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

/** draft → review (asks a person to approve) → publish. */
export function publishing() {
  const draft = fromFunction('draft', (topic: string) => `A short note on ${topic}.`, { input: z.string(), output: z.string() });
  const review = executor({
    id: 'review',
    input: z.string(),
    output: z.string(),
    response: z.object({ approved: z.boolean(), reviewer: z.string() }),
    handle: (text, ctx) => {
      ctx.request({ text });
    },
    onResponse: (answer, request, ctx) => {
      const { text } = request.payload as { text: string };
      ctx.send(answer.approved ? `${text} (approved by ${answer.reviewer})` : `${text} (rejected by ${answer.reviewer})`);
    },
  });
  const publish = executor({ id: 'publish', input: z.string(), handle: (text, ctx) => ctx.output(text) });
  return new WorkflowBuilder({ name: 'publishing', start: draft, output: z.string() }).addEdge(draft, review).addEdge(review, publish).build();
}
