// weft/ai on the AI SDK's own mock models: streaming, tools, structured output, budget, cancellation, errors.
import { APICallError } from 'ai';
import { MockLanguageModelV4, simulateReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetExceededError, WorkflowBuilder, agentStep, executor, fromFunction, isWeftError, type WorkflowEvent } from 'weft';
import { aiAgent, fromModel, isRetryableAiError, isTextCompleted, isTextDelta, toTool, type StepCompleted } from 'weft/ai';
import { caught, ofType, record, until } from '../support/async.js';
import { streamingModel, textParts, textResult, toolCallResult } from './helpers.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });
const steps = (events: readonly WorkflowEvent[]): StepCompleted[] =>
  ofType(events, 'custom')
    .filter((e) => e.name === 'ai.step.completed')
    .map((e) => e.data as StepCompleted);

describe('aiAgent', () => {
  it('streams the text into the run as live-only ai.text.delta events, then stores the final text', async () => {
    const writer = aiAgent({ id: 'writer', model: streamingModel(['Hel', 'lo, ', 'world']), prompt: (name: string) => `Greet ${name}` });
    const { events } = await record(writer.toWorkflow().stream('world', { budget: { tokens: 100 } }));
    const deltas = events.filter(isTextDelta);
    expect(deltas.map((e) => e.data.delta)).toEqual(['Hel', 'lo, ', 'world']);
    expect(deltas.every((e) => e.transient === true && e.path.join('/') === 'writer' && e.executorId === 'writer')).toBe(true);
    const completed = events.filter(isTextCompleted);
    expect(completed.map((e) => e.data.text)).toEqual(['Hello, world']);
    expect(completed[0]?.transient).toBeUndefined();
    expect(new Set([...deltas, ...completed].map((e) => e.data.callId)).size).toBe(1);
    expect(ofType(events, 'run.completed')[0]?.outputs).toEqual(['Hello, world']);
    expect(steps(events)).toMatchObject([
      {
        step: 0,
        provider: 'mock-provider',
        model: 'mock-stream',
        responseModel: 'mock-stream-1',
        inputTokens: 10,
        outputTokens: 5,
        finishReason: 'stop',
        tools: [],
      },
    ]);
    // agentStep's usage event: 15 tokens charged to the run's budget.
    expect(ofType(events, 'custom').find((e) => e.name === 'agent.usage')?.data).toEqual({ tokens: 15, spent: 15, limit: 100 });
    // Deltas come between the agent phase's start and end, in the order written.
    const types = events.map((e) => (e.type === 'custom' ? e.name : e.type));
    expect(types.indexOf('phase.started')).toBeLessThan(types.indexOf('ai.text.delta'));
    expect(types.lastIndexOf('ai.text.delta')).toBeLessThan(types.indexOf('phase.completed'));
  });

  it('uses generateText with stream: false: no deltas, the same answer', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult('Paris') });
    const capital = aiAgent({ id: 'capital', model, stream: false, instructions: 'Answer with one word.' });
    const { events } = await record(capital.toWorkflow().stream('Capital of France?'));
    expect(events.filter(isTextDelta)).toEqual([]);
    expect(ofType(events, 'run.completed')[0]?.outputs).toEqual(['Paris']);
    const call = model.doGenerateCalls[0];
    expect(call?.prompt[0]).toMatchObject({ role: 'system', content: 'Answer with one word.' });
    expect(call?.prompt[1]).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] });
  });

  it('sends a structured answer, validated against the schema', async () => {
    const ticket = z.object({ category: z.enum(['billing', 'bug']), urgent: z.boolean() });
    const model = new MockLanguageModelV4({ doGenerate: textResult(JSON.stringify({ category: 'billing', urgent: true })) });
    const classify = aiAgent({ id: 'classify', model, stream: false, output: ticket });
    const result = await classify.toWorkflow().run('I was charged twice');
    expect(result.outputs).toEqual([{ category: 'billing', urgent: true }]);
    const streamed = aiAgent({ id: 'classify', model: streamingModel(['{"category":', '"bug","urgent":false}']), output: ticket });
    expect((await streamed.toWorkflow().run('crash')).outputs).toEqual([{ category: 'bug', urgent: false }]);
    // A model that answers off-schema fails the call; a retry may do better, so it is not an AgentError.
    const wrong = aiAgent({
      id: 'classify',
      model: new MockLanguageModelV4({ doGenerate: textResult('{"category":"other"}') }),
      stream: false,
      output: ticket,
    });
    const error = (await caught(() => wrong.toWorkflow().run('x'))) as { code: string; cause: unknown };
    expect(error.code).toBe('executor_failed');
    expect(isWeftError(error.cause)).toBe(false);
  });

  it('calls tools: AI SDK tools and a weft workflow offered as one, each step reported', async () => {
    const lookups: string[] = [];
    const findOrder = executor({
      id: 'find-order',
      input: z.object({ orderId: z.string() }),
      handle: (query, ctx) => {
        lookups.push(query.orderId);
        ctx.output({ orderId: query.orderId, status: 'shipped' });
      },
    });
    const orders = new WorkflowBuilder({ name: 'orders', start: findOrder }).build();
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallResult('lookupOrder', { orderId: 'A-7' }), textResult('Your order A-7 has shipped.')],
    });
    const support = aiAgent({ id: 'support', model, stream: false, tools: { lookupOrder: toTool(orders, { description: 'Finds an order by id' }) } });
    const { events } = await record(new WorkflowBuilder({ name: 'support', start: support }).addEdge(support, sink).build().stream('Where is A-7?'));
    expect(lookups).toEqual(['A-7']);
    expect(ofType(events, 'run.completed')[0]?.outputs).toEqual(['Your order A-7 has shipped.']);
    expect(steps(events).map((s) => [s.step, s.finishReason, s.tools])).toEqual([
      [0, 'tool-calls', [{ name: 'lookupOrder', id: 'call-1' }]],
      [1, 'stop', []],
    ]);
    expect(
      ofType(events, 'custom')
        .filter((e) => e.name === 'ai.tool.completed')
        .map((e) => e.data),
    ).toMatchObject([{ toolName: 'lookupOrder', toolCallId: 'call-1', ok: true }]);
    // The tool's result went back to the model in the second call.
    const second = model.doGenerateCalls[1]?.prompt.find((message) => message.role === 'tool');
    expect(JSON.stringify(second)).toContain('shipped');
    expect(ofType(events, 'custom').find((e) => e.name === 'agent.usage')?.data).toMatchObject({ tokens: 43 });
  });

  it('offers a single executor as a tool, and refuses one without an input schema or a description', async () => {
    const double = executor({ id: 'double', input: z.object({ n: z.number() }), handle: (m, ctx) => ctx.output(m.n * 2) });
    const tool = toTool(double, { description: 'Doubles n' });
    expect(await tool.execute?.({ n: 4 }, { toolCallId: 'c', messages: [] } as never)).toBe(8);
    const bare = fromFunction('bare', (_m: unknown) => 1);
    expect(() => toTool(bare, { description: 'x' })).toThrow(/"bare".*no input schema.*inputSchema/);
    expect(() => toTool(double, {} as never)).toThrow(/needs \{ description \}/);
  });

  it('passes the run signal on: cancelling the run aborts the model call', async () => {
    let seen: AbortSignal | undefined;
    const model = new MockLanguageModelV4({
      doStream: async ({ abortSignal }) => {
        seen = abortSignal;
        return {
          stream: new ReadableStream({
            start(controller) {
              controller.enqueue({ type: 'stream-start', warnings: [] });
              abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason));
            },
          }),
        };
      },
    });
    const slow = aiAgent({ id: 'slow', model });
    const run = slow.toWorkflow().start('hi');
    await until(() => seen !== undefined);
    run.cancel('user left');
    expect(await caught(() => run.result)).toMatchObject({ code: 'run_cancelled' });
    expect(seen?.aborted).toBe(true);
  });

  it('lets weft retry a transient failure, and fails at once, with AgentError, on one a retry cannot fix', async () => {
    const rateLimited = new APICallError({
      message: 'Too many requests',
      url: 'https://api.example/v1',
      requestBodyValues: {},
      statusCode: 429,
      isRetryable: true,
    });
    let calls = 0;
    const flaky = new MockLanguageModelV4({
      doGenerate: async () => {
        calls += 1;
        if (calls === 1) throw rateLimited;
        return textResult('ok');
      },
    });
    const agent = aiAgent({ id: 'flaky', model: flaky, stream: false, retry: { attempts: 3, backoff: { initialMs: 0 } } });
    const { events } = await record(agent.toWorkflow().stream('hi'));
    expect(ofType(events, 'executor.retried').map((e) => e.attempt)).toEqual([1]);
    expect(ofType(events, 'run.completed')[0]?.outputs).toEqual(['ok']);

    let badCalls = 0;
    const unauthorized = new MockLanguageModelV4({
      doGenerate: async () => {
        badCalls += 1;
        throw new APICallError({
          message: 'Invalid API key.',
          url: 'https://api.example/v1',
          requestBodyValues: {},
          statusCode: 401,
          isRetryable: false,
        });
      },
    });
    const broken = aiAgent({ id: 'broken', model: unauthorized, stream: false, retry: { attempts: 3, backoff: { initialMs: 0 } } });
    const error = (await caught(() => broken.toWorkflow().run('hi'))) as {
      code: string;
      cause: { code: string; statusCode: number; message: string };
    };
    expect(badCalls).toBe(1);
    expect(error.code).toBe('executor_failed');
    expect(error.cause).toMatchObject({ code: 'agent_failed', statusCode: 401 });
    expect(error.cause.message).toMatch(/agent "broken".*Invalid API key.*Check the provider's API key/);
    // A stream that fails mid-way is classified the same way.
    const midway = new MockLanguageModelV4({
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            ...textParts(['par']).slice(0, 4),
            { type: 'error', error: new APICallError({ message: 'Bad request', url: 'u', requestBodyValues: {}, statusCode: 400 }) },
          ],
        }),
      }),
    });
    const streamed = (await caught(() => aiAgent({ id: 'midway', model: midway }).toWorkflow().run('hi'))) as { cause: { code: string } };
    expect(streamed.cause.code).toBe('agent_failed');
  });

  it('is refused once the run budget is spent, without calling the model', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult('a', [30, 30]) });
    const first = aiAgent({ id: 'first', model, stream: false });
    const second = aiAgent({ id: 'second', model, stream: false });
    const workflow = new WorkflowBuilder({ name: 'two', start: first }).addEdge(first, second).build();
    const error = (await caught(() => workflow.run('go', { budget: { tokens: 50 } }))) as { cause: unknown };
    expect(error.cause).toBeInstanceOf(BudgetExceededError);
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it('works as an agent for agentStep, whose calls may overlap', async () => {
    const agent = fromModel({ model: streamingModel(['x']) });
    expect(agent.concurrent).toBe(true);
    const step = agentStep({ id: 'step', agent, reply: (reply) => reply.text.toUpperCase() });
    expect((await step.toWorkflow().run('hi')).outputs).toEqual(['X']);
  });

  it('explains bad options and bad input', async () => {
    expect(() => fromModel({} as never)).toThrow(/needs \{ model \}/);
    expect(() => fromModel({ model: streamingModel([]), maxSteps: 0 })).toThrow(/maxSteps must be an integer ≥ 1/);
    expect(() => aiAgent({ model: streamingModel([]) } as never)).toThrow(/aiAgent needs \{ id, model \}/);
    const agent = aiAgent<{ text: string }>({ id: 'raw', model: streamingModel(['x']) });
    const error = (await caught(() => agent.toWorkflow().run({ text: 'hi' }))) as { cause: Error };
    expect(error.cause.message).toMatch(/"raw" got \{"text":"hi"\}.*prompt: \(message\)/);
  });
});

describe('isRetryableAiError', () => {
  it('tells transient failures from permanent ones', () => {
    const api = (statusCode: number) => new APICallError({ message: 'm', url: 'u', requestBodyValues: {}, statusCode });
    expect([429, 500, 503, 408].map((s) => isRetryableAiError(api(s)))).toEqual([true, true, true, true]);
    expect([400, 401, 404].map((s) => isRetryableAiError(api(s)))).toEqual([false, false, false]);
    expect(isRetryableAiError({ name: 'AI_RetryError', lastError: api(401) })).toBe(false);
    expect(isRetryableAiError({ name: 'AI_LoadAPIKeyError', message: 'no key' })).toBe(false);
    expect(isRetryableAiError(new TypeError('fetch failed'))).toBe(true);
  });
});
