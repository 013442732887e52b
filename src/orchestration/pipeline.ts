import { z } from 'zod';
import { fromFunction, type Budget, type ExecutorContext, type Schema } from '../index.js';
import { withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

/** What a pipeline stage receives besides the item. */
export interface StageContext {
  /** The item's position in the input. */
  readonly index: number;
  /** The stage's name: its function's name, or `stage-N`. */
  readonly stage: string;
  /** Aborted when the run is cancelled, or when another item failed and the pipeline is stopping. */
  readonly signal: AbortSignal;
  /** The run's token budget. */
  readonly budget: Budget;
  /** Emits a `custom` event from the pipeline's executor. */
  emit(name: string, data?: unknown): void;
}

/** One stage of a {@link pipeline}: returns the item for the next stage, or `undefined` to stop this item. */
export type Stage<TIn = any, TOut = unknown> = (item: TIn, context: StageContext) => TOut | Promise<TOut>;

/** What a stage accepts. */
export type StageInput<S> = S extends (item: infer TIn, ...rest: any[]) => unknown ? TIn : never;
/** What a stage passes on (`undefined`, which stops the item, removed). */
export type StageOutput<S> = S extends (...args: any[]) => infer TResult ? Exclude<Awaited<TResult>, undefined | void> : never;

type CheckedStage<TPrevious, THead> = [TPrevious] extends [never]
  ? THead
  : [StageOutput<TPrevious>] extends [StageInput<THead>]
    ? THead
    : (item: StageOutput<TPrevious>, context: StageContext) => unknown;

/** Checks stages pairwise: each must accept what the previous one returns. */
export type CheckedStages<T extends readonly unknown[]> = { readonly [K in keyof T]: CheckedStage<[never, ...T][K & keyof [never, ...T]], T[K]> };

/** What a pipeline's items are: what its first stage accepts. */
export type PipelineItem<TStages extends readonly unknown[]> = TStages extends readonly [infer TFirst, ...unknown[]] ? StageInput<TFirst> : never;
/** What a pipeline yields per item that went through every stage: what its last stage returns. */
export type PipelineResult<TStages extends readonly unknown[]> = TStages extends readonly [...unknown[], infer TLast] ? StageOutput<TLast> : never;

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** The executor's id (default `'pipeline'`). */
  readonly id?: string;
  /** At most this many items in flight at once (default: all of them). */
  readonly concurrency?: number;
  /** Validates the array of items at delivery (default: any array). */
  readonly input?: Schema;
}

/**
 * Sends every item of an array through the stages on its own: an item goes on to the next stage as soon as its
 * previous stage is done, so a fast item never waits for a slow one (there is no barrier between items, unlike
 * supersteps). A stage returning `undefined` stops that item. Sends the results of the items that went through
 * every stage, in input order. A failing stage fails the executor: the other items are aborted through their
 * `signal`. Each stage of each item is a phase named `stage[index]`; every finished item emits `pipeline.item`.
 * @example
 * const enrich = pipeline([fetchPage, summarize, (s: Summary) => (s.relevant ? s : undefined)], { concurrency: 4 });
 */
export function pipeline<const TStages extends readonly [Stage, ...Stage[]]>(
  stages: TStages & CheckedStages<TStages>,
  options: PipelineOptions = {},
): WorkflowExecutor<PipelineItem<TStages>[], PipelineResult<TStages>[], undefined> {
  const id = options.id ?? 'pipeline';
  const list = stages as readonly Stage[];
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`pipeline "${id}" needs at least one stage.`);
  list.forEach((stage, index) => {
    if (typeof stage !== 'function') throw new TypeError(`pipeline "${id}": stage ${index + 1} is not a function.`);
  });
  const concurrency = options.concurrency ?? Infinity;
  if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new TypeError(`pipeline "${id}": concurrency must be an integer ≥ 1, got ${concurrency}.`);
  }
  const names = list.map((stage, index) => (stage.name === '' ? `stage-${index + 1}` : stage.name));

  const run = async (items: readonly unknown[], ctx: ExecutorContext<unknown, undefined>): Promise<unknown[]> => {
    const total = items.length;
    const results: unknown[] = new Array<unknown>(total);
    // One signal for every stage call: the run's cancellation, or the first failure stopping the others.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(ctx.signal.reason);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    let done = 0;
    let failed = false;
    let failure: unknown;

    const runItem = async (index: number): Promise<void> => {
      let value: unknown = items[index];
      let stoppedAt: string | undefined;
      for (let s = 0; s < list.length; s++) {
        const stage = list[s] as Stage;
        const name = names[s] as string;
        const context: StageContext = { index, stage: name, signal: stop.signal, budget: ctx.budget, emit: (event, data) => ctx.emit(event, data) };
        const current = value;
        value = await ctx.phase(`${name}[${index}]`, () => untilAborted(() => stage(current, context), stop.signal));
        if (value === undefined) {
          stoppedAt = name;
          break;
        }
      }
      results[index] = value;
      done++;
      ctx.emit('pipeline.item', {
        index,
        status: stoppedAt === undefined ? 'completed' : 'stopped',
        ...(stoppedAt === undefined ? {} : { stage: stoppedAt }),
        done,
        total,
      });
    };
    const worker = async (): Promise<void> => {
      while (next < total && !stop.signal.aborted) {
        try {
          await runItem(next++);
        } catch (error) {
          if (!failed) {
            failed = true;
            failure = error;
            stop.abort(error);
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
    } finally {
      ctx.signal.removeEventListener('abort', onAbort); // ctx.signal lives as long as the run: leave no listener on it
    }
    if (failed) throw failure;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return results.filter((value) => value !== undefined);
  };

  const node = fromFunction(id, (items: readonly unknown[], ctx) => run(items, ctx as ExecutorContext<unknown, undefined>), {
    input: options.input ?? z.array(z.unknown()),
  });
  return withWorkflow(node) as unknown as WorkflowExecutor<PipelineItem<TStages>[], PipelineResult<TStages>[], undefined>;
}

/** Runs `work`, but rejects with the signal's reason as soon as it aborts (a stage that ignores its signal is not waited for). */
function untilAborted<T>(work: () => T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    let result: T | Promise<T>;
    try {
      result = work();
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
