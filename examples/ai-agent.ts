/**
 * Agents from AI SDK models (weft/ai): a classifier with structured output, then a writer whose answer streams
 * into the run's events as it is written.
 *
 *   npx tsx examples/ai-agent.ts
 *
 * Without a key it runs on the AI SDK's mock models. With `@ai-sdk/openai` installed and OPENAI_API_KEY set (or
 * `@ai-sdk/anthropic` and ANTHROPIC_API_KEY), it asks the real model instead.
 */
import type { LanguageModel } from 'ai';
import { MockLanguageModelV4, simulateReadableStream } from 'ai/test';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { aiAgent, isTextDelta } from 'weft/ai';

const ticketSchema = z.object({ category: z.enum(['billing', 'bug', 'other']), urgent: z.boolean() });
type Triage = z.infer<typeof ticketSchema>;

/** A real model when a provider package and its key are there; undefined otherwise. */
async function providerModel(): Promise<{ model: LanguageModel; label: string } | undefined> {
  const providers = [
    { key: 'OPENAI_API_KEY', module: '@ai-sdk/openai', factory: 'openai', modelId: 'gpt-5-mini' },
    { key: 'ANTHROPIC_API_KEY', module: '@ai-sdk/anthropic', factory: 'anthropic', modelId: 'claude-haiku-4-5' },
  ];
  for (const provider of providers) {
    if (!process.env[provider.key]) continue;
    try {
      const loaded = (await import(provider.module)) as Record<string, (id: string) => LanguageModel>;
      const create = loaded[provider.factory];
      if (create !== undefined) return { model: create(provider.modelId), label: `${provider.factory}:${provider.modelId}` };
    } catch {
      // The package is not installed: try the next one, then the mock.
    }
  }
  return undefined;
}

const usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 12, text: 12, reasoning: undefined },
};
const reply = ['Sorry about the double charge! ', 'I have refunded the second payment; ', 'it will show on your statement within 3 days.'];
const mocks = {
  classifier: new MockLanguageModelV4({
    modelId: 'mock-classifier',
    doGenerate: {
      content: [{ type: 'text', text: JSON.stringify({ category: 'billing', urgent: true }) }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    },
  }),
  writer: new MockLanguageModelV4({
    modelId: 'mock-writer',
    doStream: async () => ({
      stream: simulateReadableStream({
        chunkDelayInMs: process.env['WEFT_EXAMPLE_CHECK'] === '1' ? 0 : 150,
        chunks: [
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          ...reply.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        ],
      }),
    }),
  }),
};

const real = await providerModel();
console.log(real === undefined ? 'model: the AI SDK mock (set OPENAI_API_KEY with @ai-sdk/openai installed for a real one)' : `model: ${real.label}`);

const classify = aiAgent({
  id: 'classify',
  model: real?.model ?? mocks.classifier,
  stream: false,
  output: ticketSchema,
  instructions: 'Classify the support ticket.',
  retry: { attempts: 3, backoff: { initialMs: 500 } }, // rate limits and 5xx are retried; a bad key is not
});
const write = aiAgent({
  id: 'write',
  model: real?.model ?? mocks.writer,
  instructions: 'You answer support tickets in two sentences.',
  prompt: (triage: Triage) => `Answer this ${triage.urgent ? 'urgent ' : ''}${triage.category} ticket: "I was charged twice for my order."`,
});
const done = executor({ id: 'done', input: z.string(), handle: (text, ctx) => ctx.output(text) });
const workflow = new WorkflowBuilder({ name: 'support', start: classify }).addEdge(classify, write).addEdge(write, done).build();

let streamed = '';
let outputs: readonly unknown[] = [];
let spent = 0;
for await (const event of workflow.stream('I was charged twice for my order.', { budget: { tokens: 10_000 } })) {
  if (isTextDelta(event)) {
    streamed += event.data.delta;
    process.stdout.write(event.data.delta); // the answer, as it is written
  } else if (event.type === 'custom' && event.name === 'agent.usage') {
    spent = (event.data as { spent: number }).spent;
  } else if (event.type === 'run.completed') outputs = event.outputs;
}
console.log(`\n\noutputs: ${JSON.stringify(outputs)}\ntokens charged to the budget: ${spent}`);

check(outputs.length === 1 && outputs[0] === streamed, 'the output is the text that was streamed');
if (real === undefined) {
  check(streamed === reply.join(''), 'the mock answer streamed piece by piece');
  check(spent === 104, 'both calls charged 52 tokens each');
}
console.log('ai-agent: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ai-agent example check failed: ${message}`);
}
