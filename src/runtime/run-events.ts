// A run's events: numbered in one sequence (nested runs' included), built only when someone listens.
import type { WorkflowEvent } from '../events/events.js';
import type { WorkflowDefinition } from '../model/types.js';
import { unfinishedFanIns, type CommitResult } from './superstep.js';
import type { RunState } from './run-state.js';

/** The fields of an event of type `T` that its emitter gives (the rest the run adds). */
export type EventFields<T extends WorkflowEvent['type']> = Omit<
  Extract<WorkflowEvent, { type: T }>,
  'type' | 'runId' | 'seq' | 'superstep' | 'path' | 'at'
>;

/** Builds and sends one run's events to its sink; does nothing (and builds nothing) without one. */
export class RunEvents {
  private seq = 0;

  constructor(
    private readonly runId: string,
    private readonly path: readonly string[],
    readonly sink: ((event: WorkflowEvent) => void) | undefined,
    /** The superstep events are filed under unless given. */
    private readonly superstep: () => number,
  ) {}

  emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path: readonly string[] = this.path, superstep = this.superstep()): void {
    if (this.sink === undefined) return;
    this.sink({ type, runId: this.runId, seq: this.seq++, superstep, path, at: Date.now(), ...fields } as unknown as WorkflowEvent);
  }

  /** An event of a nested run, renumbered in this run's sequence. */
  renumber(event: WorkflowEvent): WorkflowEvent {
    return { ...event, runId: this.runId, seq: this.seq++ };
  }

  executorPath(id: string): readonly string[] {
    return [...this.path, id];
  }

  custom(executorId: string, superstep: number, name: string, data: unknown, transient?: boolean): void {
    this.emit(
      'custom',
      transient === true ? { executorId, name, data, transient } : { executorId, name, data },
      this.executorPath(executorId),
      superstep,
    );
  }

  phase(executorId: string, superstep: number, name: string, outcome: { readonly ok: boolean; readonly durationMs: number } | undefined): void {
    if (outcome === undefined) this.emit('phase.started', { executorId, name }, this.executorPath(executorId), superstep);
    else this.emit('phase.completed', { executorId, name, ...outcome }, this.executorPath(executorId), superstep);
  }

  /** What a commit produced: dropped messages, outputs, new requests, then `superstep.completed`. */
  committed(result: CommitResult): void {
    if (this.sink === undefined) return;
    for (const drop of result.dropped) {
      this.emit(
        'message.dropped',
        { sourceId: drop.source, message: drop.payload, reason: drop.reason, ...(drop.to === undefined ? {} : { to: drop.to }) },
        this.executorPath(drop.source),
      );
    }
    for (const { executorId, value } of result.outputs) this.emit('output', { executorId, value }, this.executorPath(executorId));
    for (const request of result.requests) this.emit('request.created', { request }, request.path);
    this.emit('superstep.completed', { queued: result.state.queue.length });
  }

  /** A run cannot complete with messages stuck in a fan-in buffer unnoticed: each is reported as dropped. */
  unfinishedFanIns(definition: WorkflowDefinition, fanIn: RunState['fanIn']): void {
    for (const { source, target, message } of unfinishedFanIns(definition, fanIn)) {
      this.emit('message.dropped', { sourceId: source, message, reason: 'fan-in-incomplete', to: target }, this.executorPath(source));
    }
  }
}
