// Nested runs: how a parent starts one inside an invocation, and a waiting child as the plain data its node keeps.
import type { WorkflowEvent } from '../events/events.js';
import type { Delivery } from '../routing/router.js';
import type { ChildResult, ChildSnapshot, ChildStart } from './context.js';
import type { RunResult } from './run-options.js';
import type { RunState } from './run-state.js';

/** What the parent needs of the child run it made. */
export interface ChildEngine {
  execute(input: unknown, validated: boolean): Promise<RunResult>;
  resumeSnapshot(snapshot: ChildSnapshot, responses: Readonly<Record<string, unknown>>): Promise<RunResult>;
  snapshot(): ChildSnapshot;
  readonly requests: { readonly responseSchemas: ReadonlyMap<string, unknown> };
}

/**
 * The sink a child run emits into: its events go on to the parent's sink, renumbered in the parent's sequence.
 * Its request events stay behind: the nested node surfaces each request itself, under the same id.
 */
export function forwardChildEvents(
  sink: ((event: WorkflowEvent) => void) | undefined,
  renumber: (event: WorkflowEvent) => WorkflowEvent,
): ((event: WorkflowEvent) => void) | undefined {
  if (sink === undefined) return undefined;
  return (event) => {
    if (event.type !== 'request.created' && event.type !== 'request.answered' && event.type !== 'run.waiting') sink(renumber(event));
  };
}

/** Runs the child from its input (parsed by the parent unless `validated` is false) or from its snapshot with answers. */
export async function runChildFrom(engine: ChildEngine, start: ChildStart, validated: boolean): Promise<ChildResult> {
  const result = 'input' in start ? await engine.execute(start.input, validated) : await engine.resumeSnapshot(start.snapshot, start.responses);
  return {
    status: result.status,
    outputs: result.outputs,
    pendingRequests: result.pendingRequests,
    snapshot: engine.snapshot(),
    responseSchemas: Object.fromEntries(
      result.pendingRequests.map((r) => [r.id, engine.requests.responseSchemas.get(r.id)]),
    ) as ChildResult['responseSchemas'],
  };
}

/** A stopped run as the snapshot its parent's node keeps. */
export function toSnapshot(runId: string, state: RunState, outputs: readonly unknown[]): ChildSnapshot {
  return {
    runId,
    superstep: state.superstep,
    queue: state.queue,
    executorStates: state.executorStates,
    shared: state.shared,
    fanIn: state.fanIn,
    pendingRequests: state.pendingRequests,
    outputs: outputs.slice(),
  };
}

/** The run state a snapshot stands for. */
export function fromSnapshot(snapshot: ChildSnapshot): RunState {
  return {
    superstep: snapshot.superstep,
    queue: snapshot.queue as Delivery[],
    executorStates: snapshot.executorStates,
    shared: snapshot.shared,
    fanIn: snapshot.fanIn,
    pendingRequests: snapshot.pendingRequests,
    outputCount: snapshot.outputs.length,
  };
}
