import { z } from 'zod';
import { WorkflowBuilder, executor, type Budget, type Executor, type RetryPolicy, type Workflow } from '../index.js';

/** What the function of {@link mapItems} receives besides the item. */
export interface MapItemContext {
  /** The item's position in the list. */
  readonly index: number;
  /** Aborted when the run is cancelled or the item times out. */
  readonly signal: AbortSignal;
  /** The run's token budget. */
  readonly budget: Budget;
  /** Emits a `custom` event from the item's executor. */
  emit(name: string, data?: unknown): void;
}

/** Options of {@link mapItems}. */
export interface MapItemsOptions {
  /** The workflow's name and the prefix to inline it under (default `'map'`). */
  readonly name?: string;
  /** At most this many items in flight at once (default 4). */
  readonly concurrency?: number;
  /** Retry a failing item: `attempts` counts every try. */
  readonly retry?: RetryPolicy;
  /** Fails an item that takes longer. */
  readonly timeoutMs?: number;
}

/** The map's coordinator state: plain JSON, so every superstep's checkpoint holds the finished items. */
interface MapState {
  readonly items: unknown[] | null;
  readonly results: unknown[];
  readonly next: number;
  readonly finished: number;
}

type Work = { readonly kind: 'item'; readonly index: number; readonly item: unknown };
type Done = { readonly kind: 'done'; readonly results: unknown[] };
type Result = { readonly index: number; readonly result: unknown };

const EMPTY: MapState = { items: null, results: [], next: 0, finished: 0 };
const anything = z.unknown();

/**
 * Maps a list known only at run time through `fn`, one executor invocation per item, and sends the results as
 * one array in input order (LangGraph's `Send`, Mastra's `.foreach`). At most `concurrency` items are in flight;
 * every item's result is committed in the superstep after it finishes, so each checkpoint holds the items done so
 * far and a resumed run does only the rest. Items and results are plain JSON. Run the returned workflow alone, or
 * inline it with `builder.addWorkflow(workflow, { prefix })` and connect to its `entry` and `exit`.
 * @example
 * const summaries = mapItems(async (url: string) => summarize(await fetchPage(url)), { name: 'summaries', concurrency: 3 });
 * const { entry, exit } = builder.addWorkflow(summaries, { prefix: 'summaries' });
 */
export function mapItems<TItem, TResult>(
  fn: (item: TItem, context: MapItemContext) => TResult | Promise<TResult>,
  options: MapItemsOptions = {},
): Workflow<TItem[], Awaited<TResult>[], Executor<Awaited<TResult>[], Awaited<TResult>[], undefined, Awaited<TResult>[]>> {
  const name = options.name ?? 'map';
  const concurrency = options.concurrency ?? 4;
  if (typeof fn !== 'function') throw new TypeError(`mapItems "${name}" needs a function to call on every item.`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new TypeError(`mapItems "${name}": concurrency must be an integer ≥ 1, got ${concurrency}.`);

  const coordinator = executor({
    id: 'coordinate',
    input: anything,
    output: z.custom<Work | Done>(),
    initialState: EMPTY,
    handle: (message, ctx) => {
      const state = ctx.state;
      if (Array.isArray(message)) {
        if (state.items !== null)
          throw new TypeError(
            `mapItems "${name}" received a new list while ${state.items.length - state.finished} items of the last one are unfinished; send the next list after its results.`,
          );
        if (message.length === 0) return ctx.send({ kind: 'done', results: [] });
        const first = Math.min(concurrency, message.length);
        ctx.setState(() => ({ items: message, results: new Array<unknown>(message.length).fill(null), next: first, finished: 0 }));
        for (let index = 0; index < first; index++) ctx.send({ kind: 'item', index, item: message[index] });
        return;
      }
      const { index, result } = message as Result;
      const items = state.items;
      if (items === null) throw new TypeError(`mapItems "${name}" received the result of item ${index} with no list in flight.`);
      const finished = state.finished + 1;
      if (finished === items.length) {
        const results = state.results.map((value, i) => (i === index ? result : value));
        ctx.setState(() => EMPTY);
        return ctx.send({ kind: 'done', results });
      }
      const next = state.next;
      ctx.setState((draft) => {
        draft.results[index] = result;
        draft.finished = finished;
        if (next < items.length) draft.next = next + 1;
      });
      if (next < items.length) ctx.send({ kind: 'item', index: next, item: items[next] });
    },
  });
  const each = executor({
    id: 'each',
    input: z.custom<Work>(),
    output: z.custom<Result>(),
    concurrency,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    handle: async ({ index, item }, ctx) => {
      const result = await fn(item as TItem, { index, signal: ctx.signal, budget: ctx.budget, emit: (event, data) => ctx.emit(event, data) });
      ctx.send({ index, result: result === undefined ? null : result });
    },
  });
  const done = executor({
    id: 'done',
    input: z.custom<Done>(),
    output: z.custom<Awaited<TResult>[]>(),
    handle: (message, ctx) => ctx.send(message.results as Awaited<TResult>[]),
  });
  return new MapBuilder(name, coordinator, each, done).build() as unknown as Workflow<
    TItem[],
    Awaited<TResult>[],
    Executor<Awaited<TResult>[], Awaited<TResult>[], undefined, Awaited<TResult>[]>
  >;
}

/** The map's graph: coordinate ⇄ each, coordinate → done; `done` sends the results (run outputs when nothing follows). */
class MapBuilder extends WorkflowBuilder<unknown[], unknown[]> {
  constructor(name: string, coordinator: Executor<unknown, Work | Done, MapState>, each: Executor<Work, Result>, done: Executor<Done, unknown[]>) {
    super({ name, start: coordinator, maxSupersteps: 1_000_000 });
    this.addEdge(coordinator, each, { when: (message): message is Work => message.kind === 'item' })
      .addEdge(coordinator, done, { when: (message): message is Done => message.kind === 'done' })
      .addEdge(each, coordinator);
    this.declaredExits = [done];
    this.outputWhenUnconnected(done);
  }
}
