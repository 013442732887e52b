import { fromFunction } from '../executors/from-function.js';
import type { AnyExecutor, Executor, ExecutorContext } from '../model/types.js';
import { Workflow } from '../runtime/workflow.js';

/** A step of a prebuilt graph: an executor, a function (its return value is sent), or a whole workflow (nested). */
export type Participant = AnyExecutor | ((message: any, context: ExecutorContext<any, undefined>) => unknown) | Workflow<any, any, any>;

/** What a participant accepts. */
export type ParticipantInput<P> =
  P extends Executor<any, any, any, infer TAccepts>
    ? TAccepts
    : P extends Workflow<infer TInput, any, any>
      ? TInput
      : P extends (message: infer TInput, ...rest: any[]) => unknown
        ? TInput
        : never;

/** What a participant sends on. */
export type ParticipantOutput<P> =
  P extends Executor<any, infer TOutput, any, any>
    ? TOutput
    : P extends Workflow<any, infer TOutput, any>
      ? TOutput
      : P extends (...args: any[]) => infer TResult
        ? Exclude<Awaited<TResult>, undefined>
        : never;

/** The executor a participant becomes. */
export type ParticipantExecutor<P> = Executor<any, ParticipantOutput<P>, any, ParticipantInput<P>>;

/** One step of a sequence: itself when it accepts what `TPrevious` sends, otherwise what it would have to be. */
export type CheckedStep<TPrevious, THead> = [TPrevious] extends [never]
  ? THead
  : [ParticipantOutput<TPrevious>] extends [ParticipantInput<THead>]
    ? THead
    :
        | Executor<any, any, any, ParticipantOutput<TPrevious>>
        | Workflow<ParticipantOutput<TPrevious>, any, any>
        | ((message: ParticipantOutput<TPrevious>) => unknown);

/**
 * Checks a sequence pairwise: each participant must accept what the previous one sends. A homomorphic mapped
 * type, so that inference still works for context-sensitive participants (`function` expressions).
 */
export type CheckedSequence<T extends readonly unknown[]> = { readonly [K in keyof T]: CheckedStep<[never, ...T][K & keyof [never, ...T]], T[K]> };

/** What every one of the participants accepts. */
export type CommonInput<T extends readonly unknown[]> = T extends readonly [infer THead, ...infer TRest]
  ? ParticipantInput<THead> & CommonInput<TRest>
  : unknown;

/** The executor for a participant; functions take their name (or `step-N`), workflows nest under their name. */
export function toExecutor(participant: Participant, index: number): AnyExecutor {
  if (participant instanceof Workflow) return participant.asExecutor({ id: participant.name });
  if (typeof participant === 'function') return fromFunction(participant.name === '' ? `step-${index + 1}` : participant.name, participant);
  if (typeof participant === 'object' && participant !== null && typeof participant.handle === 'function') return participant;
  throw new TypeError(`Participant ${index + 1} is not an executor, a function or a workflow.`);
}
