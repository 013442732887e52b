/**
 * Composition: one review workflow assembled from three kinds of parts.
 *
 *   npx tsx examples/compose.ts
 *
 * intake → analysis/ (a prebuilt ConcurrentBuilder, inlined under a prefix) ┬ analysis/tone    ┐
 *                                                                           ├ analysis/facts   ├ analysis/aggregator
 *                                                                           └ analysis/length  ┘
 *        → review   (a whole workflow nested as one node: score → decide)
 *        → review->report (an adapter: the decision is not what report takes)
 *        → report
 *
 * Every step is a deterministic fake, so the example checks its own result.
 */
import { z } from 'zod';
import { ConcurrentBuilder, WorkflowBuilder, executor, fromFunction, type WorkflowEvent } from 'weft';

const draftSchema = z.object({ author: z.string(), text: z.string() });
type Draft = z.infer<typeof draftSchema>;
const decisionSchema = z.object({ verdict: z.enum(['publish', 'revise']), score: z.number(), reasons: z.array(z.string()) });
type Decision = z.infer<typeof decisionSchema>;

// ── 1. A prebuilt analysis: three checks in parallel, their results as one tuple, in participant order ──

const tone = fromFunction('tone', (draft: Draft) => (/\b(terrible|awful|hate)\b/i.test(draft.text) ? 'harsh' : 'neutral'));
const facts = fromFunction('facts', async (draft: Draft) => (draft.text.match(/\d+/g) ?? []).length); // async is fine
const length = executor({
  id: 'length',
  input: draftSchema,
  output: z.number(),
  handle: (draft, ctx) => ctx.send(draft.text.split(/\s+/).filter(Boolean).length),
});
const analysis = new ConcurrentBuilder({ name: 'analysis', participants: [tone, facts, length] });
// analysis.build().run(draft) would output the tuple itself; once inlined below, the tuple flows on instead.

// ── 2. A review workflow of its own, nested as one node: its events show up under the path ['review', …] ──

const score = fromFunction('score', ([toneLabel, numbers, words]: [string, number, number]) => ({
  score: (toneLabel === 'neutral' ? 2 : 0) + Math.min(numbers, 2) + (words >= 8 ? 1 : 0),
  reasons: [`tone ${toneLabel}`, `${numbers} figure(s)`, `${words} words`],
}));
const decide = executor({
  id: 'decide',
  input: z.object({ score: z.number(), reasons: z.array(z.string()) }),
  handle: ({ score: points, reasons }, ctx) => ctx.output({ verdict: points >= 4 ? 'publish' : 'revise', score: points, reasons } satisfies Decision),
});
const reviewWorkflow = new WorkflowBuilder({ name: 'review-flow', start: score, output: decisionSchema }).addEdge(score, decide).build();
const review = reviewWorkflow.asExecutor({ id: 'review' }); // Executor<[string, number, number], Decision>

// ── 3. The larger workflow: intake → analysis → review → report ──

const intake = executor({
  id: 'intake',
  input: draftSchema,
  output: draftSchema,
  handle: (draft, ctx) => ctx.send({ author: draft.author.trim(), text: draft.text.trim() }),
});
const report = executor({
  id: 'report',
  input: z.object({ title: z.string(), body: z.string() }),
  handle: (message, ctx) => ctx.output(`${message.title}\n  ${message.body}`),
});

const builder = new WorkflowBuilder({ name: 'editorial', start: intake });
const inlined = builder.addWorkflow(analysis, { prefix: 'analysis' }); // ids become analysis/dispatcher, …
const workflow = builder
  .addEdge(intake, inlined.entry) // type-checked: the analysis takes a Draft
  .addEdge(inlined.exit, review) // type-checked: the aggregator sends [string, number, number]
  .addAdapter(review, report, (decision) => ({
    // Decision → { title, body }: report does not take a Decision, so an adapter converts it
    title: `${decision.verdict.toUpperCase()} (score ${decision.score}/5)`,
    body: decision.reasons.join('; '),
  }))
  .build();

// ── Run it, watching the events ──

const draft: Draft = { author: ' Ada ', text: 'Revenue grew 12 percent in 2024, and churn fell to 3 percent.' };
const events: WorkflowEvent[] = [];
const finished = new Promise<void>((resolve, reject) =>
  workflow.stream(draft).subscribe({ next: (e) => events.push(e), error: reject, complete: resolve }),
);
await finished;
const result = events.at(-1);
check(result?.type === 'run.completed', `the run should complete, got ${result?.type}`);

console.log('Result:');
for (const output of result.outputs) console.log(`  ${String(output)}`);
console.log(
  '\nExecutors:',
  workflow
    .describe()
    .executors.map((e) => `${e.id} (${e.kind})`)
    .join(', '),
);
console.log('\nNested events (path → type):');
for (const event of events.filter((e) => e.path[0] === 'review' && e.path.length > 1 && e.type.startsWith('executor.'))) {
  console.log(`  #${event.seq} ${event.path.join(' › ')}  ${event.type}`);
}
console.log(`\n${workflow.toMermaid()}`);

// ── Checks ──

check(result.outputs.length === 1, `one output, got ${result.outputs.length}`);
check(result.outputs[0] === 'PUBLISH (score 5/5)\n  tone neutral; 3 figure(s); 12 words', `unexpected output: ${JSON.stringify(result.outputs[0])}`);
const ids = workflow.describe().executors.map((e) => e.id);
check(
  JSON.stringify(ids) ===
    JSON.stringify([
      'intake',
      'analysis/dispatcher',
      'analysis/tone',
      'analysis/facts',
      'analysis/length',
      'analysis/aggregator',
      'review',
      'review->report',
      'report',
    ]),
  `unexpected executors: ${ids.join(', ')}`,
);
const nested = events.filter((e) => e.type === 'executor.completed' && e.path[0] === 'review').map((e) => e.path.join('/'));
check(JSON.stringify(nested) === JSON.stringify(['review/score', 'review/decide', 'review']), `nested events: ${nested.join(', ')}`);
check(
  events.every((e, index) => e.seq === index && e.runId === result.runId),
  'one run id and a gapless seq across the nested run',
);
check(
  workflow.toMermaid().includes('subgraph') && workflow.toMermaid().includes('⟨review-flow⟩'),
  'the chart draws the fragment and the nested workflow',
);

// The same analysis, run on its own, outputs the tuple: inlining it did not change it.
const alone = await analysis.build().run(draft);
check(JSON.stringify(alone.outputs) === JSON.stringify([['neutral', 3, 12]]), `standalone analysis: ${JSON.stringify(alone.outputs)}`);

console.log('\ncompose: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`compose example check failed: ${message}`);
}
