// "weft/otel": OpenTelemetry spans for runs, runtimes and servers. Needs the optional peer @opentelemetry/api.
export { createTracing, runInInvocationTrace, traceHeaders, withTraceContext } from './tracing.js';
export type { FetchHandler, Tracing, TracingOptions } from './tracing.js';
