import { context as otelContext, propagation, ROOT_CONTEXT, trace, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { Invocation, InvocationRecord, Placement, RunOptions, RuntimeOptions, WorkflowEvent } from '../index.js';
import { RunTracer } from './run-tracer.js';

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** Default: `trace.getTracer('weft')` from the global tracer provider. */
  readonly tracer?: Tracer;
  /**
   * The span of a run's earlier trace, for a run resumed in another process (within one process weft remembers
   * the last 1000 runs itself). Return a span context, e.g. from a `traceparent` you stored with the run.
   */
  readonly earlierTrace?: (run: { readonly runId: string; readonly checkpointId: string }) => SpanContext | undefined;
}

/** Anything with a fetch handler, such as the Hono app of `createApp` in `weft/server`. */
export interface FetchHandler {
  fetch(request: Request, ...rest: any[]): Response | Promise<Response>;
}

/** Tracing for runs, runtimes and servers; see {@link createTracing}. */
export interface Tracing {
  /** Hears one event: pass it as `onEvent` yourself, or use the methods below. */
  readonly onEvent: (event: WorkflowEvent) => void;
  /** Run options that trace the run: `workflow.run(input, tracing.runOptions({ budget }))`. */
  runOptions<T extends RunOptions>(options?: T): T;
  /** Runtime options whose every run is traced: `createRuntime(tracing.runtimeOptions({ workflows, store }))`. */
  runtimeOptions<T extends RuntimeOptions>(options: T): T;
  /** The app, taking the `traceparent` of each request as the parent of the runs it starts (see {@link withTraceContext}). */
  server<T extends FetchHandler>(app: T): T;
  /**
   * A placement that hands each invocation on with the trace context of its `executor.process` span (`invocation.trace`),
   * so that a worker running it in {@link runInInvocationTrace} puts the handler's spans in the run's trace. Close the
   * placement you passed in, not this one.
   */
  placement(placement: Placement): Placement;
}

/** Composes the tracing hook with one the caller already has. */
function withHook(own: (event: WorkflowEvent) => void, given: ((event: WorkflowEvent) => void) | undefined): (event: WorkflowEvent) => void {
  return given === undefined ? own : (event) => (own(event), given(event));
}

/**
 * Turns on OpenTelemetry tracing: a run becomes an `invoke_workflow {name}` span (the parent is the active context
 * when it starts), with a span per superstep, an `executor.process {id}` span per invocation linked to the
 * invocations that sent its message, `invoke_agent` and `chat` spans for agent calls, and events for retries,
 * requests, approvals and checkpoints.
 * @example
 * const tracing = createTracing();
 * await workflow.run(input, tracing.runOptions());
 */
export function createTracing(options: TracingOptions = {}): Tracing {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`createTracing(options): options must be an object such as { tracer }, got ${String(options)}.`);
  if (options.tracer !== undefined && typeof options.tracer.startSpan !== 'function') {
    throw new TypeError('createTracing: tracer must be an OpenTelemetry Tracer (trace.getTracer(name)); got an object without startSpan.');
  }
  const tracer = new RunTracer(options.tracer ?? trace.getTracer('weft'), options.earlierTrace);
  return {
    onEvent: tracer.onEvent,
    runOptions: <T extends RunOptions>(given?: T): T => ({ ...given, onEvent: withHook(tracer.onEvent, given?.onEvent) }) as T,
    runtimeOptions: <T extends RuntimeOptions>(given: T): T =>
      ({ ...given, runOptions: { ...given.runOptions, onEvent: withHook(tracer.onEvent, given.runOptions?.onEvent) } }) as T,
    server: withTraceContext,
    placement: (placement) => ({
      invoke: (invocation, signal) => {
        const context = tracer.invocationContext(invocation.runId, invocation.path, invocation.index);
        if (context === undefined) return placement.invoke(invocation, signal);
        const trace: Record<string, string> = {};
        propagation.inject(context, trace);
        return placement.invoke({ ...invocation, trace }, signal);
      },
    }),
  };
}

/**
 * Runs `execute` (a worker's run of one invocation) in the trace context the invocation carries (see
 * `Tracing.placement`), so that the spans the handler starts are children of its `executor.process` span. Pass it as
 * `createWorker({ around: runInInvocationTrace })` in weft/bullmq. Needs the global propagator and context manager
 * (the OpenTelemetry Node SDK sets both).
 */
export function runInInvocationTrace(invocation: Invocation, execute: () => Promise<InvocationRecord>): Promise<InvocationRecord> {
  if (invocation.trace === undefined) return execute();
  return otelContext.with(propagation.extract(ROOT_CONTEXT, invocation.trace), execute);
}

const headerGetter = {
  keys: (carrier: Headers): string[] => [...carrier.keys()],
  get: (carrier: Headers, key: string): string | undefined => carrier.get(key) ?? undefined,
};

/**
 * Wraps an app's fetch handler so that each request runs in the trace context of its `traceparent` header: runs it
 * starts (and answers it gives) become children of the caller's span. Needs the global propagator and context manager
 * that the OpenTelemetry SDK registers.
 * @example
 * await serve(withTraceContext(createApp({ runtime })));
 */
export function withTraceContext<T extends FetchHandler>(app: T): T {
  if (typeof app?.fetch !== 'function')
    throw new TypeError('withTraceContext(app): app must have a fetch(request) handler, such as the app createApp() returns.');
  const fetch = (request: Request, ...rest: any[]): Response | Promise<Response> => {
    const parent = propagation.extract(otelContext.active(), request.headers, headerGetter);
    return otelContext.with(parent, () => app.fetch(request, ...rest));
  };
  return new Proxy(app, { get: (target, key, receiver) => (key === 'fetch' ? fetch : Reflect.get(target, key, receiver)) });
}

/**
 * The trace headers (`traceparent`, `tracestate`) of the active context, for `createClient({ headers: traceHeaders })`
 * in `weft/client`, so that the runs a client starts join the caller's trace.
 */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(otelContext.active(), headers);
  return headers;
}
