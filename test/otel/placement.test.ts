// Trace context across a placement: the coordinator's tracing hands each invocation the context of its
// `executor.process` span (tracing.placement), and the worker side runs the handler in it (runInInvocationTrace), so the
// spans a handler starts on a worker are children of its invocation's span, in the run's trace.
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executeInvocation, executor, WorkflowBuilder, type Invocation, type Placement } from 'weft';
import { createTracing, runInInvocationTrace } from 'weft/otel';
import { idOf, only, parentOf, useGlobalContext } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
useGlobalContext();

const userTracer = provider.getTracer('the-handlers-own');
const work = executor({
  id: 'work',
  input: z.number(),
  output: z.number(),
  handle: async (n, ctx) => {
    await userTracer.startActiveSpan(`call ${n}`, async (span) => {
      await Promise.resolve();
      span.end();
    });
    ctx.output(n * 2);
  },
});
const workflow = new WorkflowBuilder({ name: 'traced', start: work }).build();

/** A worker in all but the process: the invocation crosses as JSON and runs with no context of the coordinator's. */
const worker: Placement = {
  invoke: (invocation) => {
    const received = JSON.parse(JSON.stringify(invocation)) as Invocation;
    return context.with(ROOT_CONTEXT, () => runInInvocationTrace(received, () => executeInvocation(workflow, received)));
  },
};

describe('trace context across a placement', () => {
  it("puts the spans a handler starts on the worker under its invocation's span, in the run's trace", async () => {
    exporter.reset();
    const tracing = createTracing({ tracer: provider.getTracer('weft') });
    const seen: Invocation[] = [];
    const placement = tracing.placement({ invoke: (invocation, signal) => (seen.push(invocation), worker.invoke(invocation, signal)) });

    const result = await workflow.run(21, tracing.runOptions({ placement }));

    expect(result.outputs).toEqual([42]);
    expect(seen[0]?.trace?.['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const spans = exporter.getFinishedSpans();
    const invocation = only(spans, 'executor.process work');
    const call = only(spans, 'call 21');
    expect(parentOf(call)).toBe(idOf(invocation));
    expect(call.spanContext().traceId).toBe(only(spans, 'invoke_workflow traced').spanContext().traceId);
  });

  it('leaves an invocation without trace context as it is, and runs it outside any trace', async () => {
    exporter.reset();
    const result = await workflow.run(1, { placement: worker });
    expect(result.outputs).toEqual([2]);
    const call = only(exporter.getFinishedSpans(), 'call 1');
    expect(parentOf(call)).toBeUndefined();
  });
});
