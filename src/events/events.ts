import type { WeftError } from '../errors.js';
import type { PendingRequest } from '../model/types.js';

/** Fields every event carries. */
export interface EventBase {
  readonly runId: string;
  /** Increases by one with every event of a run, from 0. */
  readonly seq: number;
  /** The superstep the event belongs to; 0 before the first. */
  readonly superstep: number;
  /** Ids from the outermost workflow down to the executor (empty for run-level events of the outermost run). */
  readonly path: readonly string[];
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** Why a message reached no executor. */
export type DropReason = 'no-edge' | 'not-accepted' | 'fan-in-incomplete';

/** Every event a run emits, discriminated on `type`. */
export type WorkflowEvent =
  | (EventBase & {
      /** Once per run, when it starts from its input. */
      readonly type: 'run.started';
      readonly workflow: string;
      readonly signature: string;
      readonly input: unknown;
    })
  | (EventBase & {
      /** At every resume, instead of `run.started`: the run goes on (or a fork begins) from a checkpoint. */
      readonly type: 'run.resumed';
      readonly workflow: string;
      readonly signature: string;
      /** The checkpoint it continues from; absent for a nested run, which continues from its parent's checkpoint. */
      readonly resumedFrom?: string;
    })
  | (EventBase & { readonly type: 'superstep.started'; readonly executorIds: readonly string[] })
  | (EventBase & {
      readonly type: 'executor.invoked';
      readonly executorId: string;
      readonly attempt: number;
      /** Which of the executor's deliveries in this superstep (from 0): tells concurrent invocations apart. */
      readonly invocation?: number;
      /** Who sent the delivered message: an executor id, several joined by ", " for a fan-in batch, `(input)` or `(response)`. */
      readonly from?: string;
    })
  | (EventBase & {
      readonly type: 'executor.completed';
      readonly executorId: string;
      readonly attempt: number;
      readonly durationMs: number;
      readonly invocation?: number;
    })
  | (EventBase & {
      readonly type: 'executor.retried';
      readonly executorId: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: unknown;
      readonly invocation?: number;
    })
  | (EventBase & {
      readonly type: 'executor.failed';
      readonly executorId: string;
      readonly attempt: number;
      readonly error: WeftError;
      readonly invocation?: number;
    })
  | (EventBase & {
      readonly type: 'message.dropped';
      readonly sourceId: string;
      readonly message: unknown;
      readonly reason: DropReason;
      readonly to?: string;
    })
  | (EventBase & { readonly type: 'output'; readonly executorId: string; readonly value: unknown })
  | (EventBase & {
      readonly type: 'custom';
      readonly executorId: string;
      readonly name: string;
      readonly data: unknown;
      /** Live only: a runtime does not store it (e.g. a token delta whose final text is stored in another event). */
      readonly transient?: true;
    })
  | (EventBase & { readonly type: 'phase.started'; readonly executorId: string; readonly name: string })
  | (EventBase & {
      readonly type: 'phase.completed';
      readonly executorId: string;
      readonly name: string;
      readonly ok: boolean;
      readonly durationMs: number;
    })
  | (EventBase & {
      readonly type: 'budget.exceeded';
      readonly executorId: string;
      readonly limit: number;
      readonly spent: number;
      /** True when a charge was refused; false when a charge used up what remained. */
      readonly refused: boolean;
    })
  | (EventBase & { readonly type: 'request.created'; readonly request: PendingRequest })
  | (EventBase & { readonly type: 'request.answered'; readonly request: PendingRequest; readonly response: unknown })
  | (EventBase & { readonly type: 'checkpoint.saved'; readonly checkpointId: string; readonly kind: 'full' | 'delta'; readonly bytes: number })
  | (EventBase & { readonly type: 'superstep.completed'; readonly queued: number })
  | (EventBase & { readonly type: 'run.waiting'; readonly requests: readonly PendingRequest[] })
  | (EventBase & { readonly type: 'run.completed'; readonly outputs: readonly unknown[] })
  | (EventBase & { readonly type: 'run.failed'; readonly error: WeftError })
  | (EventBase & { readonly type: 'run.cancelled'; readonly reason: unknown });

/** The `type` of every event. */
export type WorkflowEventType = WorkflowEvent['type'];

/** The event whose `type` is `T`. */
export type WorkflowEventOf<T extends WorkflowEventType> = Extract<WorkflowEvent, { readonly type: T }>;

/** Narrows an event by type: `events.filter(isEventType('output'))`. */
export function isEventType<T extends WorkflowEventType>(type: T): (event: WorkflowEvent) => event is WorkflowEventOf<T> {
  return (event): event is WorkflowEventOf<T> => event.type === type;
}
