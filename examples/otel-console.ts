/**
 * OpenTelemetry spans of a run (weft/otel), printed by the SDK's console exporter.
 *
 *   npx tsx examples/otel-console.ts
 *
 * In production, register the OpenTelemetry Node SDK with your exporter instead; `createTracing()` then uses the
 * global tracer provider.
 */
import { BasicTracerProvider, ConsoleSpanExporter, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';
import { createTracing } from 'weft/otel';

const memory = new InMemorySpanExporter(); // only for the checks below
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter()), new SimpleSpanProcessor(memory)] });
const tracing = createTracing({ tracer: provider.getTracer('weft-example') });

let attempts = 0;
const fetchPrice = fromFunction(
  'fetch-price',
  (sku: string) => {
    attempts += 1;
    if (attempts === 1) throw new Error('price service timed out'); // retried: an event on the span
    return { sku, price: 42 };
  },
  { retry: { attempts: 2, backoff: { initialMs: 10 } } },
);
const quote = executor({
  id: 'quote',
  input: z.object({ sku: z.string(), price: z.number() }),
  handle: (item, ctx) => ctx.output(`${item.sku}: $${item.price}`),
});
const workflow = new WorkflowBuilder({ name: 'pricing', start: fetchPrice }).addEdge(fetchPrice, quote).build();

const result = await workflow.run('SKU-1', tracing.runOptions());
await provider.forceFlush();

const spans = memory.getFinishedSpans();
const names = spans.map((span) => span.name);
console.log(`\nspans: ${names.join(', ')}`);
check(result.outputs[0] === 'SKU-1: $42', 'the run quotes the price');
check(
  names.includes('invoke_workflow pricing') && names.includes('superstep 1') && names.includes('executor.process quote'),
  'a run span, superstep spans and invocation spans',
);
const fetchSpan = spans.find((span) => span.name === 'executor.process fetch-price');
const quoteSpan = spans.find((span) => span.name === 'executor.process quote');
check(fetchSpan?.events.some((event) => event.name === 'executor.retried') === true, 'the retry is an event on the invocation span');
check(quoteSpan?.links[0]?.context.spanId === fetchSpan?.spanContext().spanId, 'quote links to the invocation that sent its message');
console.log('otel-console: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`otel-console example check failed: ${message}`);
}
