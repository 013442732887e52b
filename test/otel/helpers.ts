import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll } from 'vitest';
import { createTracing, type Tracing, type TracingOptions } from 'weft/otel';

/** A tracing that records its spans in memory. */
export function recordingTracing(options: Omit<TracingOptions, 'tracer'> = {}): {
  readonly tracing: Tracing;
  readonly exporter: InMemorySpanExporter;
  spans(): readonly ReadableSpan[];
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracing = createTracing({ ...options, tracer: provider.getTracer('weft-test') });
  return { tracing, exporter, spans: () => exporter.getFinishedSpans() };
}

/** The one finished span with this name; fails the test when there are none or several. */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`Expected one span "${name}", found ${found.length}: ${spans.map((span) => span.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

export const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
export const linkedTo = (span: ReadableSpan): string[] => span.links.map((link) => link.context.spanId);

/** Registers, for this test file, what the OpenTelemetry Node SDK registers: a context manager and the W3C propagator. */
export function useGlobalContext(): void {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    context.disable();
    propagation.disable();
  });
}
