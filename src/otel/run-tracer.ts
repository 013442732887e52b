import {
  context as otelContext,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { isApprovalRequest, type WorkflowEvent, type WorkflowEventOf } from '../index.js';
import { ATTR } from './attributes.js';
import { AgentSpan } from './genai-spans.js';

/** The invocation span of one delivery to one executor, across its attempts. */
interface Invocation {
  readonly executorId: string;
  readonly span: Span;
  readonly context: Context;
  readonly phases: Map<string, Span | AgentSpan>;
}

/** The spans of one run, or of one nested workflow inside it (keyed by its node's path). */
interface Scope {
  readonly span: Span;
  readonly context: Context;
  superstep: { readonly span: Span; readonly context: Context } | undefined;
  /** Open invocations by `executorId#invocation`. */
  readonly open: Map<string, Invocation>;
  /** Span contexts of the invocations of this superstep and of the one before, by executor id: the senders of messages. */
  current: Map<string, SpanContext[]>;
  previous: Map<string, SpanContext[]>;
}

/** Where an earlier trace of a run is looked up when the run resumes in another process. */
export type EarlierTrace = (run: { readonly runId: string; readonly checkpointId: string }) => SpanContext | undefined;

const REMEMBERED = 1000;
const keyOf = (path: readonly string[]): string => path.join('\u0000');
const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
const asException = (error: unknown): Error | string => (error instanceof Error ? error : errorText(error));
const RUN_LEVEL = new Set([
  'run.started',
  'run.resumed',
  'run.waiting',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'superstep.started',
  'superstep.completed',
  'checkpoint.saved',
]);

/** Turns the events of runs into spans: a run span, a span per superstep, per invocation, per phase and per agent call. */
export class RunTracer {
  private readonly runs = new Map<string, Map<string, Scope>>();
  /** Root span contexts of runs that ended, by run id and by checkpoint id: a resumed run links to them. */
  private readonly earlier = new Map<string, SpanContext>();

  constructor(
    private readonly tracer: Tracer,
    private readonly earlierTrace: EarlierTrace | undefined,
  ) {}

  /** The context of an invocation's open `executor.process` span (undefined once it ended, or if it was never seen). */
  invocationContext(runId: string, path: readonly string[], index: number): Context | undefined {
    const scopes = this.runs.get(runId);
    const scope = scopes?.get(keyOf(path.slice(0, -1))) ?? scopes?.get('');
    return scope?.open.get(`${path.at(-1)}#${index}`)?.context;
  }

  /** Takes one event; never throws (a tracing bug must not fail a run). */
  readonly onEvent = (event: WorkflowEvent): void => {
    try {
      this.handle(event);
    } catch {
      // Tracing is best effort: an event in an unexpected order is skipped.
    }
  };

  private handle(event: WorkflowEvent): void {
    if (event.type === 'run.started' || event.type === 'run.resumed') return this.started(event);
    const scopes = this.runs.get(event.runId);
    if (scopes === undefined) return;
    const runLevel = RUN_LEVEL.has(event.type);
    const scopePath = runLevel ? event.path : event.path.slice(0, -1);
    const scope = scopes.get(keyOf(scopePath)) ?? scopes.get('');
    if (scope === undefined) return;
    switch (event.type) {
      case 'superstep.started': {
        scope.superstep?.span.end(event.at);
        const span = this.tracer.startSpan(
          `superstep ${event.superstep}`,
          { startTime: event.at, attributes: { [ATTR.superstep]: event.superstep, [ATTR.executorIds]: [...event.executorIds] } },
          scope.context,
        );
        scope.superstep = { span, context: trace.setSpan(scope.context, span) };
        scope.previous = scope.current;
        scope.current = new Map();
        return;
      }
      case 'superstep.completed':
        scope.superstep?.span.setAttribute(ATTR.queued, event.queued);
        scope.superstep?.span.end(event.at);
        scope.superstep = undefined;
        return;
      case 'executor.invoked':
        return this.invoked(scope, event);
      case 'executor.retried': {
        const invocation = scope.open.get(`${event.executorId}#${event.invocation ?? 0}`);
        invocation?.span.addEvent(
          'executor.retried',
          { attempt: event.attempt, 'weft.retry.delay_ms': event.delayMs, 'exception.message': errorText(event.error) },
          event.at,
        );
        return;
      }
      case 'executor.completed':
      case 'executor.failed':
        return this.ended(scope, event);
      case 'phase.started':
      case 'phase.completed':
        return this.phase(scope, event);
      case 'custom': {
        if (event.transient === true) return;
        const invocation = this.invocationOf(scope, event.executorId);
        if (event.name === 'ai.step.completed' || event.name === 'ai.tool.completed') {
          const agent = invocation?.phases.get('agent');
          if (agent instanceof AgentSpan && event.name === 'ai.step.completed') agent.step(this.tracer, event.data, event.at);
          else if (agent instanceof AgentSpan) agent.tool(this.tracer, event.data, event.at);
          return;
        }
        invocation?.span.addEvent(event.name, {}, event.at);
        return;
      }
      case 'budget.exceeded':
        (this.invocationOf(scope, event.executorId)?.span ?? scope.span).addEvent(
          'budget.exceeded',
          { 'weft.budget.limit': event.limit, 'weft.budget.spent': event.spent, 'weft.budget.refused': event.refused },
          event.at,
        );
        return;
      case 'message.dropped':
        (scope.superstep?.span ?? scope.span).addEvent(
          'message.dropped',
          { [ATTR.executorId]: event.sourceId, 'weft.drop.reason': event.reason },
          event.at,
        );
        return;
      case 'request.created':
      case 'request.answered':
        return this.request(scope, event);
      case 'checkpoint.saved':
        this.remember(event.checkpointId, scopes.get('')?.span.spanContext());
        scope.span.addEvent(
          'checkpoint.saved',
          { 'weft.checkpoint.id': event.checkpointId, 'weft.checkpoint.kind': event.kind, 'weft.checkpoint.bytes': event.bytes },
          event.at,
        );
        return;
      case 'run.waiting':
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
        return this.runEnded(scopes, scopePath, scope, event);
      default:
        return;
    }
  }

  private started(event: WorkflowEventOf<'run.started'> | WorkflowEventOf<'run.resumed'>): void {
    const nested = event.path.length > 0;
    let scopes = this.runs.get(event.runId);
    if (nested && scopes === undefined) return;
    let parent = otelContext.active();
    if (nested) {
      const outer = (scopes as Map<string, Scope>).get(keyOf(event.path.slice(0, -1)));
      const node = outer === undefined ? undefined : this.invocationOf(outer, event.path.at(-1) as string);
      parent = node?.context ?? outer?.context ?? parent;
    }
    const attributes: Attributes = {
      [ATTR.operation]: 'invoke_workflow',
      [ATTR.workflowName]: event.workflow,
      [ATTR.runId]: event.runId,
      [ATTR.signature]: event.signature,
    };
    const links: Link[] = [];
    if (event.type === 'run.resumed' && event.resumedFrom !== undefined) {
      attributes[ATTR.resumedFrom] = event.resumedFrom;
      const earlier =
        this.earlier.get(event.resumedFrom) ??
        this.earlier.get(event.runId) ??
        this.earlierTrace?.({ runId: event.runId, checkpointId: event.resumedFrom });
      if (earlier !== undefined) links.push({ context: earlier, attributes: { [ATTR.linkKind]: 'resumed' } });
    }
    const span = this.tracer.startSpan(`invoke_workflow ${event.workflow}`, { startTime: event.at, attributes, links }, parent);
    if (scopes === undefined) this.runs.set(event.runId, (scopes = new Map()));
    scopes.set(keyOf(event.path), {
      span,
      context: trace.setSpan(parent, span),
      superstep: undefined,
      open: new Map(),
      current: new Map(),
      previous: new Map(),
    });
  }

  private invoked(scope: Scope, event: WorkflowEventOf<'executor.invoked'>): void {
    const key = `${event.executorId}#${event.invocation ?? 0}`;
    const open = scope.open.get(key);
    if (open !== undefined) {
      open.span.setAttribute(ATTR.attempts, event.attempt);
      open.span.addEvent('executor.attempt', { attempt: event.attempt }, event.at);
      return;
    }
    const links: Link[] = [];
    for (const source of event.from?.split(', ') ?? []) {
      for (const sender of scope.previous.get(source) ?? []) links.push({ context: sender, attributes: { [ATTR.linkKind]: 'message' } });
    }
    const attributes: Attributes = {
      [ATTR.executorId]: event.executorId,
      [ATTR.path]: [...event.path],
      [ATTR.superstep]: event.superstep,
      [ATTR.attempts]: event.attempt,
    };
    if (event.invocation !== undefined) attributes[ATTR.invocation] = event.invocation;
    if (event.from !== undefined) attributes[ATTR.from] = event.from;
    const parent = scope.superstep?.context ?? scope.context;
    const span = this.tracer.startSpan(`executor.process ${event.executorId}`, { startTime: event.at, attributes, links }, parent);
    scope.open.set(key, { executorId: event.executorId, span, context: trace.setSpan(parent, span), phases: new Map() });
    const sent = scope.current.get(event.executorId);
    if (sent === undefined) scope.current.set(event.executorId, [span.spanContext()]);
    else sent.push(span.spanContext());
  }

  private ended(scope: Scope, event: WorkflowEventOf<'executor.completed' | 'executor.failed'>): void {
    const key = `${event.executorId}#${event.invocation ?? 0}`;
    const invocation = scope.open.get(key);
    if (invocation === undefined) return;
    scope.open.delete(key);
    this.endPhases(invocation, event.at);
    if (event.type === 'executor.failed') {
      invocation.span.recordException(asException(event.error), event.at);
      invocation.span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(event.error) });
    }
    invocation.span.end(event.at);
  }

  private phase(scope: Scope, event: WorkflowEventOf<'phase.started' | 'phase.completed'>): void {
    const invocation = this.invocationOf(scope, event.executorId);
    if (invocation === undefined) return;
    if (event.type === 'phase.started') {
      const agent = event.name === 'agent';
      const name = agent ? `invoke_agent ${event.executorId}` : `phase ${event.name}`;
      const attributes: Attributes = agent
        ? { [ATTR.operation]: 'invoke_agent', [ATTR.agentName]: event.executorId }
        : { 'weft.phase.name': event.name };
      const span = this.tracer.startSpan(name, { startTime: event.at, attributes }, invocation.context);
      invocation.phases.set(event.name, agent ? new AgentSpan(span, trace.setSpan(invocation.context, span)) : span);
      return;
    }
    const open = invocation.phases.get(event.name);
    if (open === undefined) return;
    invocation.phases.delete(event.name);
    if (open instanceof AgentSpan) open.end(event.ok, event.at);
    else {
      if (!event.ok) open.setStatus({ code: SpanStatusCode.ERROR });
      open.end(event.at);
    }
  }

  private request(scope: Scope, event: WorkflowEventOf<'request.created' | 'request.answered'>): void {
    const approval = isApprovalRequest(event.request);
    const attributes: Attributes = {
      'weft.request.id': event.request.id,
      [ATTR.executorId]: event.request.executorId,
      [ATTR.path]: [...event.request.path],
    };
    if (event.type === 'request.answered' && approval && typeof event.response === 'object' && event.response !== null) {
      attributes['weft.approval.approved'] = (event.response as { approved?: unknown }).approved === true;
    }
    const name = approval ? (event.type === 'request.created' ? 'approval.requested' : 'approval.answered') : event.type;
    scope.span.addEvent(name, attributes, event.at);
  }

  private runEnded(
    scopes: Map<string, Scope>,
    path: readonly string[],
    scope: Scope,
    event: WorkflowEventOf<'run.waiting' | 'run.completed' | 'run.failed' | 'run.cancelled'>,
  ): void {
    const status = event.type.slice('run.'.length);
    const root = path.length === 0;
    // The whole run ends: close what is still open in every nested scope too (a failure leaves invocations open).
    for (const [key, each] of [...scopes]) {
      if (!root && key !== keyOf(path)) continue;
      for (const invocation of each.open.values()) {
        this.endPhases(invocation, event.at);
        invocation.span.end(event.at);
      }
      each.superstep?.span.end(event.at);
      if (each !== scope) each.span.end(event.at);
      scopes.delete(key);
    }
    scope.span.setAttribute(ATTR.status, status);
    if (event.type === 'run.failed') {
      scope.span.recordException(asException(event.error), event.at);
      scope.span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(event.error) });
    }
    scope.span.end(event.at);
    if (root) {
      this.runs.delete(event.runId);
      this.remember(event.runId, scope.span.spanContext());
    }
  }

  private endPhases(invocation: Invocation, at: number): void {
    for (const open of invocation.phases.values()) {
      if (open instanceof AgentSpan) open.end(false, at);
      else open.end(at);
    }
    invocation.phases.clear();
  }

  /** The open invocation of an executor; with several at once (concurrency > 1), the latest. */
  private invocationOf(scope: Scope, executorId: string): Invocation | undefined {
    let found: Invocation | undefined;
    for (const invocation of scope.open.values()) if (invocation.executorId === executorId) found = invocation;
    return found;
  }

  private remember(key: string, spanContext: SpanContext | undefined): void {
    if (spanContext === undefined) return;
    this.earlier.delete(key);
    this.earlier.set(key, spanContext);
    if (this.earlier.size > REMEMBERED) this.earlier.delete(this.earlier.keys().next().value as string);
  }
}
