// Trace context across HTTP: out of weft/client (traceHeaders), into weft/server (withTraceContext).
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryRunStore, WorkflowBuilder, createRuntime, executor } from 'weft';
import { createClient } from 'weft/client';
import { traceHeaders, createTracing, withTraceContext } from 'weft/otel';
import { allow, createApp, serve, type RunningServer } from 'weft/server';
import { only, parentOf, useGlobalContext } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
useGlobalContext();

const ask = executor({
  id: 'ask',
  input: z.object({ n: z.number() }),
  handle: (message, ctx) => void ctx.request({ question: `double ${message.n}?` }),
  onResponse: (answer, _request, ctx) => ctx.output(answer),
});
const workflows = { ask: new WorkflowBuilder({ name: 'ask', start: ask }).build() };

describe('trace context over HTTP', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.close());

  it('makes the runs a client starts and answers children of the client span', async () => {
    const tracing = createTracing({ tracer: provider.getTracer('server') });
    const runtime = createRuntime(tracing.runtimeOptions({ workflows, store: new MemoryRunStore() }));
    server = await serve(tracing.server(createApp({ runtime, expose: { ask: { route: allow, runs: allow } } })));
    const client = createClient<typeof workflows>({ baseUrl: server.url, headers: traceHeaders });
    const caller = provider.getTracer('client');

    const started = await caller.startActiveSpan('client start', async (span) => {
      const invoked = await client.workflows.invoke('ask', { n: 2 }, { wait: true });
      span.end();
      return { invoked, span };
    });
    const runId = started.invoked.runId;
    expect(started.invoked.run?.status).toBe('waiting');
    const first = only(exporter.getFinishedSpans(), 'invoke_workflow ask');
    expect(first.spanContext().traceId).toBe(started.span.spanContext().traceId);
    expect(parentOf(first)).toBe(started.span.spanContext().spanId);

    const request = started.invoked.run?.pendingRequests[0];
    const answering = await caller.startActiveSpan('client answer', async (span) => {
      await client.runs.respond(runId, request?.id as string, 4);
      span.end();
      return span;
    });
    for await (const event of client.runs.events(runId)) if (event.type === 'run.completed') break;
    await runtime.close();
    const second = exporter.getFinishedSpans().filter((span) => span.name === 'invoke_workflow ask')[1];
    expect(second?.spanContext().traceId).toBe(answering.spanContext().traceId);
    expect(parentOf(second as never)).toBe(answering.spanContext().spanId);
    // The continued run links to the trace it started in.
    expect(second?.links.map((link) => link.context.spanId)).toEqual([first.spanContext().spanId]);
  });

  it('leaves requests without traceparent as new traces, and refuses an app without fetch', async () => {
    const app = withTraceContext({ fetch: (_request: Request) => new Response(JSON.stringify(trace.getActiveSpan() === undefined)) });
    expect(await app.fetch(new Request('http://localhost/')).json()).toBe(true);
    expect(() => withTraceContext({} as never)).toThrow(/fetch\(request\) handler/);
    expect(traceHeaders()).toEqual({});
  });
});
