import { z } from 'zod';
import { WorkflowBuilder, executor, isWeftError, type Budget, type ExecutorContext, type Schema } from '../index.js';
import { rewrap, withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

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
  /**
   * The id of this item's invocation (the same for each of its stages, across retries of the pipeline and across a
   * recovery): with the stage's name, an idempotency key for an external side effect.
   */
  readonly invocationId: string;
  /** Emits a `custom` event from the pipeline's item step. */
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

/** What the dispatch step sends the item step: one item, where it stands in the input, and how many there are. */
interface ItemMessage {
  readonly index: number;
  readonly item: unknown;
  readonly total: number;
}

/** Items finished so far, by the id of the pipeline invocation they belong to (in this process). */
const finished = new Map<string, { done: number }>();
const ITEM = 'item';
const anything = z.unknown();

/**
 * Sends every item of an array through the stages on its own: an item goes on to the next stage as soon as its
 * previous stage is done, so a fast item never waits for a slow one (there is no barrier between items, unlike
 * supersteps). A stage returning `undefined` stops that item. Sends the results of the items that went through
 * every stage, in input order. A failing stage fails the executor: the other items are aborted through their
 * `signal`. Each stage of each item is a phase named `stage[index]`; every finished item emits `pipeline.item`.
 * Each item is one invocation of a small nested graph (`dispatch → item`), so a finished item is recorded and a
 * run recovered after a crash runs only the items that had not finished.
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

  const dispatch = executor({
    id: 'dispatch',
    input: options.input ?? z.array(z.unknown()),
    output: anything,
    handle: (message, ctx) => {
      const items = message as readonly unknown[];
      const total = items.length;
      for (let index = 0; index < total; index++) ctx.send({ index, item: items[index], total } satisfies ItemMessage);
    },
  });
  const item = executor({
    id: ITEM,
    input: anything,
    concurrency: concurrency === Infinity ? Number.MAX_SAFE_INTEGER : concurrency,
    handle: (message, ctx) => runItem(list, names, message as ItemMessage, ctx),
  });
  // The node validates the array at delivery; the items inside are checked by nothing but the stages.
  const workflow = new WorkflowBuilder({ name: id, start: dispatch, validate: 'edges-only' }).addEdge(dispatch, item).build();
  // The item step outputs what each item became; the node sends them as one array, in input order.
  const nested = workflow.asExecutor({ id, outputs: 'collect' });
  const node = rewrap(nested, {
    handle: async (items, ctx) => {
      const key = ctx.invocationId;
      finished.set(key, { done: 0 });
      try {
        await nested.handle(items, ctx);
      } catch (error) {
        throw stageFailure(error);
      } finally {
        finished.delete(key);
      }
    },
  });
  return withWorkflow(node) as unknown as WorkflowExecutor<PipelineItem<TStages>[], PipelineResult<TStages>[], undefined>;
}

/** One item through the stages, in the item step's invocation; outputs its result unless a stage stopped it. */
async function runItem(
  stages: readonly Stage[],
  names: readonly string[],
  { index, item, total }: ItemMessage,
  ctx: ExecutorContext<never, undefined>,
): Promise<void> {
  const { signal, invocationId } = ctx;
  const emit = (event: string, data?: unknown): void => ctx.emit(event, data);
  let budget: Budget | undefined; // made on first use: most stages never charge
  let value: unknown = item;
  let stoppedAt: string | undefined;
  for (let s = 0; s < stages.length; s++) {
    const stage = stages[s] as Stage;
    const name = names[s] as string;
    const context: StageContext = {
      index,
      stage: name,
      signal,
      get budget() {
        return (budget ??= ctx.budget);
      },
      invocationId,
      emit,
    };
    const current = value;
    value = await ctx.phase(`${name}[${index}]`, () => untilAborted(() => stage(current, context), signal));
    if (value === undefined) {
      stoppedAt = name;
      break;
    }
  }
  if (value !== undefined) ctx.output(value);
  // The pipeline's invocation id is this one's without its last step (`…/2:item:3`).
  const progress = finished.get(invocationId.slice(0, invocationId.lastIndexOf('/')));
  ctx.emit('pipeline.item', {
    index,
    status: stoppedAt === undefined ? 'completed' : 'stopped',
    ...(stoppedAt === undefined ? {} : { stage: stoppedAt }),
    ...(progress === undefined ? {} : { done: ++progress.done }),
    total,
  });
}

/** A failed item fails its child run with an ExecutorError of the item step: the pipeline reports what the stage threw. */
function stageFailure(error: unknown): unknown {
  return isWeftError(error) && error.code === 'executor_failed' && error.executorId === ITEM && error.cause !== undefined ? error.cause : error;
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
