import type { Executor, OutputOf } from '../model/types.js';

/** Something that sends `TMessage`: an executor object, or an id (unchecked, for graphs built from configuration). */
export type Source<TMessage> = Executor<any, TMessage, any, any> | string;
/** Something that accepts `TMessage`: an executor object, or an id. */
export type Target<TMessage> = Executor<any, any, any, TMessage> | string;

/** A case of `addSwitch`: the first whose `when` holds receives the message. */
export interface SwitchCase<TMessage> {
  readonly when: (message: TMessage) => boolean;
  readonly to: Target<TMessage>;
}
/** The default of `addSwitch`, required and last. */
export interface SwitchDefault<TMessage> {
  readonly otherwise: Target<TMessage>;
}

/** The tuple of messages a fan-in target receives: one per source, in source order. */
export type FanInMessage<TSources extends readonly unknown[]> = { -readonly [K in keyof TSources]: OutputOf<TSources[K]> };

/** Checks a chain pairwise: each element must accept what the previous one sends. */
export type CheckedChain<TChain extends readonly unknown[], TPrevious = never> = TChain extends readonly [infer THead, ...infer TRest]
  ? [[TPrevious] extends [never] ? THead : Target<OutputOf<TPrevious>>, ...CheckedChain<TRest, THead>]
  : [];
