// The placement seam: where the driver hands one invocation to be run, and gets its record back.
import type { BudgetLedger, PendingRequest } from '../model/types.js';
import type { InvocationRecord } from './invocation-records.js';

/**
 * One invocation of one executor, as plain JSON: everything a process that has the workflow needs to run the
 * handler (with `executeInvocation`) and return its `InvocationRecord`.
 */
export interface Invocation {
  /** The outermost run's id. */
  readonly runId: string;
  /** The outermost workflow's name: a worker looks the workflow up by it. */
  readonly workflow: string;
  /**
   * The outermost workflow's graph signature (`workflow.signature`) in the process that placed the invocation: a
   * worker compares it with its own build of the workflow and refuses an invocation of another graph.
   */
  readonly signature: string;
  /** The executor's path: the ids of the nested workflow nodes it is inside, then its own id. */
  readonly path: readonly string[];
  readonly executorId: string;
  /** The same as the handler's `ctx.invocationId`: stable across retries and recovery. */
  readonly invocationId: string;
  /** The superstep of the run (nested: of the nested run) this invocation belongs to. */
  readonly superstep: number;
  /** The delivery's index in its executor's group. */
  readonly index: number;
  /** 1 for the first attempt, then 2, 3 … for retries. */
  readonly attempt: number;
  /** The message, already validated against the executor's input schema (or the answer, for `onResponse`). */
  readonly message: unknown;
  /** Set when the delivery is an answer: the request it answers, for the executor's `onResponse`. */
  readonly response?: { readonly request: PendingRequest };
  /** The executor's state as this invocation reads it. */
  readonly state: unknown;
  /** The shared state as this invocation reads it. */
  readonly shared: Readonly<Record<string, unknown>>;
  /** The run's token ledger when the invocation started (what `ctx.budget` reads; charges count toward the record). */
  readonly budget: BudgetLedger;
  /** The executor's timeout, when it has one: the worker stops the handler after it. */
  readonly timeoutMs?: number;
  /**
   * The trace context of the invocation's span as W3C headers (`traceparent`, `tracestate`), when the placement is
   * wrapped by weft/otel's `tracing.placement()`: a worker runs the handler in it, so the handler's spans join the run's trace.
   */
  readonly trace?: Readonly<Record<string, string>>;
}

/**
 * Where a run's invocations run. The default (no placement) runs each handler in the run's process; a placement
 * may run it anywhere that has the workflow (a queue and its workers) and returns its record. A rejected `invoke`
 * is a failed attempt: the run retries it per the executor's `retry`. `signal` aborts when the run is cancelled
 * or the attempt times out.
 */
export interface Placement {
  invoke(invocation: Invocation, signal: AbortSignal): Promise<InvocationRecord>;
}

/** Throws a clear TypeError unless `placement` has an `invoke` function. */
export function checkPlacement(placement: unknown, where: string): asserts placement is Placement | undefined {
  if (placement === undefined) return;
  if (typeof placement !== 'object' || placement === null || typeof (placement as { invoke?: unknown }).invoke !== 'function') {
    throw new TypeError(`${where} placement must be an object with an invoke(invocation, signal) method that returns the invocation's record.`);
  }
}

/** Throws unless a placement's answer is the record of the invocation it was given. */
export function checkRecord(record: unknown, invocation: Invocation): asserts record is InvocationRecord {
  const ok =
    typeof record === 'object' &&
    record !== null &&
    (record as InvocationRecord).executorId === invocation.executorId &&
    (record as InvocationRecord).index === invocation.index;
  if (!ok) {
    throw new TypeError(
      `The placement returned ${record === null || typeof record !== 'object' ? String(record) : 'the record of another invocation'} for invocation "${invocation.invocationId}"; invoke() must resolve with the record executeInvocation() returned for it.`,
    );
  }
}
