import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

const summarize = fromFunction('summarize', (text: string) => text.slice(0, 40));
const polish = executor({ id: 'polish', input: z.string(), handle: (text, ctx) => ctx.output(`${text}…`) });
const reviewFlow = new WorkflowBuilder({ name: 'review-flow', start: summarize, output: z.string() })
  .addEdge(summarize, polish)
  .build();

const review = reviewFlow.asExecutor({ id: 'review' });  // Executor<string, string>
const intake = fromFunction('intake', (text: string) => text.trim());
const report = executor({ id: 'report', input: z.string(), handle: (text, ctx) => ctx.output({ summary: text }) });

const workflow = new WorkflowBuilder({ name: 'editorial', start: intake })
  .addEdge(intake, review)
  .addEdge(review, report)
  .build();