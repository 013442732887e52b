import type { Executor, OutputOf } from '../model/types.js';

/** Something that sends `TMessage`: an executor object, or an id (unchecked, for graphs built from configuration). */
export type Source<TMessage> = Executor<any, TMessage, any, any> | string;
/** Something that accepts `TMessage`: an executor object, or an id. */
export type Target<TMessage> = Executor<any, any, any, TMessage> | string;

/**
 * The type a wrong edge's target is checked against, so the compiler's message reads
 * `… is not assignable to parameter of type 'EdgeMismatch<{ sends: string; accepts: number; }>'`.
 */
export interface EdgeMismatch<T extends { readonly sends: unknown; readonly accepts: unknown }> {
  readonly '~error': 'the target does not accept every message the source sends';
  readonly sends: T['sends'];
  readonly accepts: T['accepts'];
}

/** The type an executor without an `output` schema is checked against as an edge source: it can send nothing. */
export interface SendsNothing {
  readonly '~error': 'this executor has no output schema, so it sends nothing and cannot be an edge source: give it output: schema';
}

/**
 * The type an executor is checked against when it declares `yields` that the workflow's `output` type does not
 * cover, so the message reads `… is not assignable to … 'OutputMismatch<{ yields: number; output: string; }>'`.
 */
export interface OutputMismatch<T extends { readonly yields: unknown; readonly output: unknown }> {
  readonly '~error': "the executor's yields type is not assignable to the workflow's output type";
  readonly yields: T['yields'];
  readonly output: T['output'];
}

/** `any` (nothing declared) or the type of an executor's `yields` schema. */
type DeclaredYields<T> = T extends Executor<any, any, any, any, infer TYields, any> ? TYields : any;
/** The {@link OutputMismatch} of each executor (a union distributes) whose declared yields are not all `TOutput`; else never. */
export type YieldsMismatch<TOutput, TExecutor> = TExecutor extends string
  ? never
  : 0 extends 1 & DeclaredYields<TExecutor>
    ? never
    : [DeclaredYields<TExecutor>] extends [TOutput]
      ? never
      : OutputMismatch<{ yields: DeclaredYields<TExecutor>; output: TOutput }>;
/** `TChecked` when `TExecutor` yields only what the workflow outputs (or declares nothing), else its {@link OutputMismatch}. */
export type CheckedYields<TOutput, TExecutor, TChecked = TExecutor> = [YieldsMismatch<TOutput, TExecutor>] extends [never]
  ? TChecked
  : YieldsMismatch<TOutput, TExecutor>;
/** A method's `this`: anything when every executor of the union `TExecutors` fits the output type, else the mismatches. */
export type CheckedAllYields<TOutput, TExecutors> = [YieldsMismatch<TOutput, TExecutors>] extends [never]
  ? unknown
  : YieldsMismatch<TOutput, TExecutors>;

/** What an executor (or an id: anything) sends along an edge. */
export type SentBy<T> = T extends string ? any : OutputOf<T>;
/** What a `when` predicate receives from a source (from an id: `unknown`). */
export type WhenMessage<T> = T extends string ? unknown : OutputOf<T>;
/** What an executor's input schema accepts before parsing (an id: anything). */
export type AcceptedBy<T> = T extends string ? unknown : T extends { readonly '~accepts'?: (message: infer TAccepts) => void } ? TAccepts : unknown;

/** `TFrom` when it can send, else {@link SendsNothing}. */
export type CheckedSource<TFrom> = TFrom extends string ? TFrom : [OutputOf<TFrom>] extends [never] ? SendsNothing : TFrom;
/** `TTo` when it accepts every `TMessage`, else an {@link EdgeMismatch} naming both types. */
export type CheckedTarget<TMessage, TTo> = TTo extends string
  ? TTo
  : [TMessage] extends [AcceptedBy<TTo>]
    ? TTo
    : EdgeMismatch<{ sends: TMessage; accepts: AcceptedBy<TTo> }>;

/** A case of `addSwitch`: the first whose `when` holds receives the message; a type guard narrows what `to` must accept. */
export interface SwitchCase<TMessage> {
  readonly when: (message: TMessage) => boolean;
  readonly to: Target<any>;
}
/** The default of `addSwitch`, required and last. */
export interface SwitchDefault<TMessage> {
  readonly otherwise: Target<TMessage>;
}

/** What a case's `when` lets through: the guarded type of a type guard, else every `TMessage`. */
type Narrowed<TMessage, TCase> = TCase extends { readonly when: (message: any) => message is infer TNarrowed } ? TNarrowed : TMessage;
/** The `EdgeMismatch` of each case whose target does not accept what its `when` lets through. */
export type SwitchMismatch<TMessage, TCase> = TCase extends { readonly to: infer TTo }
  ? CheckedTarget<Narrowed<TMessage, TCase>, TTo> extends TTo
    ? never
    : CheckedTarget<Narrowed<TMessage, TCase>, TTo>
  : TCase extends { readonly otherwise: infer TTo }
    ? CheckedTarget<TMessage, TTo> extends TTo
      ? never
      : CheckedTarget<TMessage, TTo>
    : never;
/** `addSwitch`'s `this`: anything when every case fits, else the mismatches, so the call reads `… is not assignable to … 'EdgeMismatch<…>'`. */
export type CheckedSwitch<TMessage, TCase> = [SwitchMismatch<TMessage, TCase>] extends [never] ? unknown : SwitchMismatch<TMessage, TCase>;

/** The tuple of messages a fan-in target receives: one per source, in source order. */
export type FanInMessage<TSources extends readonly unknown[]> = { -readonly [K in keyof TSources]: OutputOf<TSources[K]> };

/** Checks a chain pairwise: each element must accept what the previous one sends. */
export type CheckedChain<TChain extends readonly unknown[], TPrevious = never> = TChain extends readonly [infer THead, ...infer TRest]
  ? [[TPrevious] extends [never] ? THead : Target<OutputOf<TPrevious>>, ...CheckedChain<TRest, THead>]
  : [];

/** The targets named by the cases of `addSwitch`. */
export type SwitchTargets<TCase> = TCase extends { readonly to: infer TTo } ? TTo : TCase extends { readonly otherwise: infer TTo } ? TTo : never;
