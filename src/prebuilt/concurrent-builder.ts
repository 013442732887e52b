import { WorkflowBuilder, type WorkflowBuilderOptions } from '../builder/workflow-builder.js';
import { fromFunction } from '../executors/from-function.js';
import type { AnyExecutor, Executor } from '../model/types.js';
import { toExecutor, type CommonInput, type Participant, type ParticipantOutput } from './participants.js';

/** The results of every participant, in participant order. */
export type ConcurrentResults<TParticipants extends readonly unknown[]> = {
  -readonly [K in keyof TParticipants]: ParticipantOutput<TParticipants[K]>;
};

/** Options of a {@link ConcurrentBuilder}. */
export interface ConcurrentBuilderOptions<TParticipants extends readonly Participant[], TAggregate>
  extends Omit<WorkflowBuilderOptions<AnyExecutor, unknown>, 'start' | 'output' | 'name'> {
  /** The workflow's name (default `'concurrent'`). */
  readonly name?: string;
  /** Each receives the input at the same time. */
  readonly participants: TParticipants;
  /** Combines the results (in participant order); by default they are passed on as an array. */
  readonly aggregate?: (results: ConcurrentResults<TParticipants>) => TAggregate | Promise<TAggregate>;
}

/**
 * Sends the input to every participant at once and combines their results in an `aggregator`. What the
 * aggregator sends becomes the run's outputs (typed `TAggregate`) until something is connected after it — a review step, say
 * (the workflow's output type then still says `TAggregate`; build such a graph from a plain WorkflowBuilder with
 * its own `output` schema when the type matters):
 * `builder.addEdge(builder.aggregator, review)` (or `'analysis/aggregator'` once merged under a prefix).
 */
export class ConcurrentBuilder<
  const TParticipants extends readonly [Participant, ...Participant[]],
  TAggregate = ConcurrentResults<TParticipants>,
> extends WorkflowBuilder<CommonInput<TParticipants>, TAggregate, Executor<ConcurrentResults<TParticipants>, TAggregate, undefined>> {
  /** Receives the input and sends it to every participant (id `dispatcher`). */
  readonly dispatcher: Executor<CommonInput<TParticipants>, CommonInput<TParticipants>, undefined>;
  /** The participants as executors, in order. */
  readonly participants: readonly AnyExecutor[];
  /** Combines the results (id `aggregator`); the exit of this graph. */
  readonly aggregator: Executor<ConcurrentResults<TParticipants>, TAggregate, undefined>;

  constructor(options: ConcurrentBuilderOptions<TParticipants, TAggregate>) {
    const given = options.participants as readonly Participant[];
    if (!Array.isArray(given) || given.length === 0)
      throw new TypeError(`ConcurrentBuilder "${options.name ?? 'concurrent'}" needs at least one participant.`);
    const participants = given.map(toExecutor);
    const dispatcher = fromFunction('dispatcher', (message: CommonInput<TParticipants>) => message);
    const combine = options.aggregate ?? ((results: ConcurrentResults<TParticipants>) => results as unknown as TAggregate);
    const aggregator = fromFunction('aggregator', (results: ConcurrentResults<TParticipants>) => combine(results)) as unknown as Executor<
      ConcurrentResults<TParticipants>,
      TAggregate,
      undefined
    >;
    const { participants: _, aggregate: __, ...rest } = options;
    super({ ...rest, name: rest.name ?? 'concurrent', start: dispatcher });
    this.dispatcher = dispatcher;
    this.participants = participants;
    this.aggregator = aggregator;
    if (participants.length === 1) {
      const only = participants[0] as AnyExecutor;
      this.addEdge(dispatcher as AnyExecutor, only).addAdapter(
        only,
        aggregator,
        (result: unknown) => [result] as unknown as ConcurrentResults<TParticipants>,
        { id: 'collect' },
      );
    } else {
      this.addFanOut(dispatcher as AnyExecutor, participants).addFanIn(participants, aggregator as AnyExecutor);
    }
    this.declaredExits = [aggregator];
    this.outputWhenUnconnected(aggregator);
  }
}
