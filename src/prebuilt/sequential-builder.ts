import { WorkflowBuilder, type WorkflowBuilderOptions } from '../builder/workflow-builder.js';
import type { AnyExecutor, Executor } from '../model/types.js';
import {
  toExecutor,
  type CheckedSequence,
  type Participant,
  type ParticipantExecutor,
  type ParticipantInput,
  type ParticipantOutput,
} from './participants.js';

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer TLast] ? TLast : never;

/** Options of a {@link SequentialBuilder}. */
export interface SequentialBuilderOptions<TParticipants extends readonly Participant[]>
  extends Omit<WorkflowBuilderOptions<AnyExecutor, unknown>, 'start' | 'output' | 'name'> {
  /** The workflow's name (default `'sequential'`). */
  readonly name?: string;
  /** The steps, in order; each receives what the previous one sends. */
  readonly participants: TParticipants & CheckedSequence<TParticipants>;
}

/**
 * A chain of participants. What the last one sends becomes the run's outputs until something is connected
 * after it; it stays a WorkflowBuilder, so it can be extended, merged, inlined or nested.
 * @example
 * const pipeline = new SequentialBuilder({ name: 'write', participants: [draft, edit, polish] }).build();
 */
export class SequentialBuilder<const TParticipants extends readonly [Participant, ...Participant[]]> extends WorkflowBuilder<
  ParticipantInput<TParticipants[0]>,
  ParticipantOutput<Last<TParticipants>>,
  ParticipantExecutor<Last<TParticipants>>
> {
  /** The participants as executors, in order. */
  readonly steps: readonly AnyExecutor[];

  constructor(options: SequentialBuilderOptions<TParticipants>) {
    const participants = options.participants as readonly Participant[];
    if (!Array.isArray(participants) || participants.length === 0) {
      throw new TypeError(`SequentialBuilder "${options.name ?? 'sequential'}" needs at least one participant.`);
    }
    const steps = participants.map(toExecutor);
    const { participants: _, ...rest } = options;
    super({ ...rest, name: rest.name ?? 'sequential', start: steps[0] as Executor<any, any, any, ParticipantInput<TParticipants[0]>> });
    this.steps = steps;
    for (let i = 1; i < steps.length; i++) this.addEdge(steps[i - 1] as AnyExecutor, steps[i] as AnyExecutor);
    const last = steps[steps.length - 1] as AnyExecutor;
    this.declaredExits = [last];
    this.outputWhenUnconnected(last);
  }
}
