// weft/otel: the spans of a run, built from its events, as an OpenTelemetry backend receives them.
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore, WorkflowBuilder, agentStep, executor, fromFunction, withApproval, type Agent, type RunOptions } from 'weft';
import { createTracing } from 'weft/otel';
import { caught } from '../support/async.js';
import { idOf, linkedTo, only, parentOf, recordingTracing } from './helpers.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

describe('createTracing', () => {
  it('traces a run: invoke_workflow, a span per superstep, an executor.process span per invocation', async () => {
    const { tracing, spans } = recordingTracing();
    const parse = fromFunction('parse', (text: string) => Number(text));
    const double = fromFunction('double', (n: number) => n * 2);
    const workflow = new WorkflowBuilder({ name: 'calc', start: parse }).addEdge(parse, double).addEdge(double, sink).build();
    const result = await workflow.run('21', tracing.runOptions({ maxSupersteps: 10 }));
    expect(result.outputs).toEqual([42]);

    const all = spans();
    const run = only(all, 'invoke_workflow calc');
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'calc',
      'weft.run.id': result.runId,
      'weft.run.status': 'completed',
    });
    expect(parentOf(run)).toBeUndefined();
    const supersteps = [1, 2, 3].map((n) => only(all, `superstep ${n}`));
    for (const step of supersteps) expect(parentOf(step)).toBe(idOf(run));
    expect(supersteps.map((step) => step.attributes['weft.superstep.executor_ids'])).toEqual([['parse'], ['double'], ['sink']]);
    const [parseSpan, doubleSpan, sinkSpan] = ['parse', 'double', 'sink'].map((id) => only(all, `executor.process ${id}`)) as [any, any, any];
    expect([parentOf(parseSpan), parentOf(doubleSpan), parentOf(sinkSpan)]).toEqual(supersteps.map(idOf));
    expect(doubleSpan.attributes).toMatchObject({
      'weft.executor.id': 'double',
      'weft.superstep': 2,
      'weft.invocation': 0,
      'weft.message.from': 'parse',
      'weft.invocation.attempts': 1,
    });
    // Each delivered message links its invocation to the invocation that sent it.
    expect(linkedTo(parseSpan)).toEqual([]);
    expect(linkedTo(doubleSpan)).toEqual([idOf(parseSpan)]);
    expect(linkedTo(sinkSpan)).toEqual([idOf(doubleSpan)]);
    expect(doubleSpan.links[0]?.attributes).toEqual({ 'weft.link.kind': 'message' });
    expect(all.every((span) => span.spanContext().traceId === run.spanContext().traceId)).toBe(true);
    expect(all.every((span) => span.ended)).toBe(true);
  });

  it('links each of several concurrent invocations to its sender, and a fan-in to all its senders', async () => {
    const { tracing, spans } = recordingTracing();
    const split = executor({ id: 'split', input: z.array(z.number()), output: z.number(), handle: (list, ctx) => list.forEach((n) => ctx.send(n)) });
    const square = fromFunction('square', async (n: number) => n * n, { concurrency: 3 });
    const label = fromFunction('label', (n: number) => `#${n}`);
    const workflow = new WorkflowBuilder({ name: 'fan', start: split })
      .addEdge(split, square)
      .addEdge(split, label)
      .addFanIn([square, label], sink)
      .build();
    await workflow.run([1, 2], tracing.runOptions());
    const all = spans();
    const splitSpan = only(all, 'executor.process split');
    const squares = all.filter((span) => span.name === 'executor.process square');
    expect(squares.map((span) => span.attributes['weft.invocation']).sort()).toEqual([0, 1]);
    for (const span of squares) expect(linkedTo(span)).toEqual([idOf(splitSpan)]);
    const labels = all.filter((span) => span.name === 'executor.process label');
    const sinks = all.filter((span) => span.name === 'executor.process sink');
    expect(sinks.length).toBeGreaterThan(0);
    for (const span of sinks) {
      expect(span.attributes['weft.message.from']).toBe('square, label');
      expect(new Set(linkedTo(span))).toEqual(new Set([...squares, ...labels].map(idOf)));
    }
  });

  it('records retries as events on the invocation span, and a failure on it and on the run span', async () => {
    const { tracing, spans } = recordingTracing();
    let calls = 0;
    const flaky = fromFunction(
      'flaky',
      (n: number) => {
        calls += 1;
        if (calls < 3) throw new Error(`provider down (${calls})`);
        return n;
      },
      { retry: { attempts: 3, backoff: { initialMs: 0 } } },
    );
    await new WorkflowBuilder({ name: 'flaky', start: flaky }).build().run(1, tracing.runOptions());
    const span = only(spans(), 'executor.process flaky');
    expect(
      span.events.filter((e) => e.name === 'executor.retried').map((e) => [e.attributes?.['attempt'], e.attributes?.['exception.message']]),
    ).toEqual([
      [1, 'provider down (1)'],
      [2, 'provider down (2)'],
    ]);
    expect(span.attributes['weft.invocation.attempts']).toBe(3);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);

    const broken = fromFunction('broken', (_: number): number => {
      throw new Error('no such customer');
    });
    const failing = recordingTracing();
    expect(await caught(() => new WorkflowBuilder({ name: 'broken', start: broken }).build().run(1, failing.tracing.runOptions()))).toMatchObject({
      code: 'executor_failed',
    });
    const failed = only(failing.spans(), 'executor.process broken');
    expect(failed.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(failed.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toMatch(/no such customer/);
    const run = only(failing.spans(), 'invoke_workflow broken');
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes['weft.run.status']).toBe('failed');
    expect(failing.spans().every((s) => s.ended)).toBe(true);
  });

  it('nests a nested workflow under the invocation of its node', async () => {
    const { tracing, spans } = recordingTracing();
    const inner = executor({ id: 'inner', input: z.number(), handle: (n, ctx) => ctx.output(n + 1) });
    const child = new WorkflowBuilder({ name: 'child', start: inner }).build();
    const node = child.asExecutor({ id: 'node' });
    const outer = new WorkflowBuilder({ name: 'outer', start: node }).addEdge(node, sink).build();
    expect((await outer.run(1, tracing.runOptions())).outputs).toEqual([2]);
    const all = spans();
    const nested = only(all, 'invoke_workflow child');
    expect(parentOf(nested)).toBe(idOf(only(all, 'executor.process node')));
    const innerSpan = only(all, 'executor.process inner');
    expect(innerSpan.attributes['weft.executor.path']).toEqual(['node', 'inner']);
    expect(innerSpan.spanContext().traceId).toBe(nested.spanContext().traceId);
    // inner's superstep span is a child of the nested run span, not of the outer run's
    const innerStep = all.find((span) => span.spanContext().spanId === parentOf(innerSpan));
    expect(innerStep?.name).toBe('superstep 1');
    expect(parentOf(innerStep as never)).toBe(idOf(nested));
  });

  it('turns agent calls into invoke_agent spans, with a chat span per model call and its token usage', async () => {
    const { tracing, spans } = recordingTracing();
    const agent: Agent<string> = {
      run: async (input) => ({ text: `re: ${input}`, usage: { tokens: 30 } }),
    };
    const step = agentStep({ id: 'writer', agent });
    // What weft/ai emits per model call, from inside the agent phase.
    const reporting = executor({
      id: 'reporting',
      input: z.string(),
      handle: async (text, ctx) => {
        await ctx.phase('agent', async () => {
          ctx.emit('ai.step.completed', {
            provider: 'mock',
            model: 'mock-1',
            inputTokens: 10,
            outputTokens: 5,
            finishReason: 'tool-calls',
            startedAt: Date.now(),
            tools: [{ name: 'lookup', id: 'c1' }],
          });
          ctx.emit('ai.tool.completed', { toolName: 'lookup', toolCallId: 'c1', durationMs: 5, ok: false });
          ctx.emit('ai.step.completed', { provider: 'mock', model: 'mock-1', inputTokens: 12, outputTokens: 3, finishReason: 'stop' });
        });
        ctx.output(text);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'agents', start: step }).addEdge(step, reporting).build();
    await workflow.run('hello', tracing.runOptions());
    const all = spans();
    const writer = only(all, 'invoke_agent writer');
    expect(parentOf(writer)).toBe(idOf(only(all, 'executor.process writer')));
    expect(writer.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'writer' });
    const agentSpan = only(all, 'invoke_agent reporting');
    expect(agentSpan.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 22,
      'gen_ai.usage.output_tokens': 8,
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'mock-1',
    });
    const chats = all.filter((span) => span.name === 'chat mock-1');
    expect(chats).toHaveLength(2);
    for (const chat of chats) expect(parentOf(chat)).toBe(idOf(agentSpan));
    expect(chats.map((chat) => [chat.attributes['gen_ai.usage.input_tokens'], chat.attributes['gen_ai.response.finish_reasons']])).toEqual([
      [10, ['tool-calls']],
      [12, ['stop']],
    ]);
    expect(chats[0]?.events.map((e) => [e.name, e.attributes?.['gen_ai.tool.name']])).toEqual([['gen_ai.tool.call', 'lookup']]);
    const tool = only(all, 'execute_tool lookup');
    expect(parentOf(tool)).toBe(idOf(agentSpan));
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.call.id': 'c1' });
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('records requests and approvals as events, and links a resumed run to its earlier trace', async () => {
    const { tracing, spans } = recordingTracing();
    const refund = withApproval(
      fromFunction('refund', (amount: number) => `refunded ${amount}`),
      { describe: (amount) => `Refund $${amount}?` },
    );
    const workflow = new WorkflowBuilder({ name: 'refunds', start: refund }).addEdge(refund, sink).build();
    const checkpoints = new MemoryCheckpointStore();
    const first = await workflow.run(25, tracing.runOptions({ checkpoints }));
    expect(first.status).toBe('waiting');
    const [request] = first.pendingRequests;
    const waiting = only(spans(), 'invoke_workflow refunds');
    expect(waiting.attributes['weft.run.status']).toBe('waiting');
    expect(waiting.events.find((e) => e.name === 'approval.requested')?.attributes).toMatchObject({
      'weft.request.id': request?.id,
      'weft.executor.id': 'refund',
    });
    expect(waiting.events.some((e) => e.name === 'checkpoint.saved')).toBe(true);

    const resumed = await workflow.resume(
      first.checkpointId as string,
      tracing.runOptions({ checkpoints, responses: { [request?.id as string]: { approved: true } } }),
    );
    expect(resumed.outputs).toEqual(['refunded 25']);
    const runs = spans().filter((span) => span.name === 'invoke_workflow refunds');
    expect(runs).toHaveLength(2);
    const second = runs[1] as (typeof runs)[number];
    expect(second.attributes['weft.run.resumed_from']).toBe(first.checkpointId);
    expect(second.links.map((link) => [link.context.spanId, link.attributes?.['weft.link.kind']])).toEqual([[idOf(waiting), 'resumed']]);
    expect(second.events.find((e) => e.name === 'approval.answered')?.attributes).toMatchObject({ 'weft.approval.approved': true });
  });

  it('links a resumed run to a trace from another process through earlierTrace', async () => {
    const earlier = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const asked: unknown[] = [];
    const ask = executor({
      id: 'ask',
      input: z.number(),
      handle: (n, ctx) => void ctx.request({ n }),
      onResponse: (answer, _request, ctx) => ctx.output(answer),
    });
    const workflow = new WorkflowBuilder({ name: 'asks', start: ask }).build();
    const checkpoints = new MemoryCheckpointStore();
    const first = await workflow.run(1, { checkpoints }); // untraced: "another process"
    const { tracing, spans } = recordingTracing({ earlierTrace: (run) => (asked.push(run), earlier) });
    const [request] = first.pendingRequests;
    await workflow.resume(first.checkpointId as string, tracing.runOptions({ checkpoints, responses: { [request?.id as string]: 'yes' } }));
    expect(asked).toEqual([{ runId: first.runId, checkpointId: first.checkpointId }]);
    expect(only(spans(), 'invoke_workflow asks').links.map((link) => link.context)).toEqual([earlier]);
  });

  it('keeps an onEvent the caller had, and never lets a tracing problem fail the run', async () => {
    const { tracing, spans } = recordingTracing();
    const seen: string[] = [];
    const echo = fromFunction('echo', (n: number) => n);
    const workflow = new WorkflowBuilder({ name: 'echo', start: echo }).addEdge(echo, sink).build();
    await workflow.run(1, tracing.runOptions({ onEvent: (event) => seen.push(event.type) }));
    expect(seen[0]).toBe('run.started');
    expect(seen.at(-1)).toBe('run.completed');
    const runtimeOptions = tracing.runtimeOptions({ workflows: {}, store: undefined as never, runOptions: { maxSupersteps: 5 } });
    const runOptions: RunOptions | undefined = runtimeOptions.runOptions;
    expect(runOptions?.maxSupersteps).toBe(5);
    expect(typeof runOptions?.onEvent).toBe('function');
    // Events of a run it never saw start, or out of order, are skipped.
    expect(() =>
      tracing.onEvent({
        type: 'executor.completed',
        runId: 'unknown',
        seq: 3,
        superstep: 1,
        path: ['x'],
        at: Date.now(),
        executorId: 'x',
        attempt: 1,
        durationMs: 1,
      }),
    ).not.toThrow();
    expect(spans().filter((span) => span.name.startsWith('invoke_workflow'))).toHaveLength(1);
  });

  it('refuses options that are not a tracer, naming the fix', () => {
    expect(() => createTracing({ tracer: {} as never })).toThrow(/trace\.getTracer/);
    expect(() => createTracing(null as never)).toThrow(/options must be an object/);
  });
});
