import { UnknownExecutorError } from '../errors.js';
import type { AnyExecutor, Executor } from '../model/types.js';
import type { GraphFragment } from './fragment.js';

/** The typed ends of an inlined graph: connect to `entry`, continue from `exit` (or one of `exits`). */
export interface WorkflowHandle<TInput = unknown, TExit extends AnyExecutor = AnyExecutor> {
  /** The inlined graph's start executor, under its new id. */
  readonly entry: Executor<any, any, any, TInput>;
  /** The only exit; throws, listing them, when there is not exactly one. */
  readonly exit: TExit;
  /** Every exit, in graph order. */
  readonly exits: readonly TExit[];
}

/** @internal Builds a handle over a fragment whose executors are already the inlined copies. */
export function createHandle<TInput, TExit extends AnyExecutor>(fragment: GraphFragment): WorkflowHandle<TInput, TExit> {
  const byId = new Map(fragment.executors.map((e) => [e.id, e]));
  const exits = Object.freeze(fragment.exits.map((id) => byId.get(id) as TExit));
  const entry = byId.get(fragment.start) as Executor<any, any, any, TInput>;
  return Object.freeze({
    entry,
    exits,
    get exit(): TExit {
      if (exits.length !== 1) {
        throw new UnknownExecutorError(
          'exit',
          `"${fragment.name}" has ${exits.length} exits (${exits.map((e) => `"${e.id}"`).join(', ') || 'none'}), so "exit" is ambiguous. Use exits[i], or declare the exits with { exits: [executor] }.`,
        );
      }
      return exits[0] as TExit;
    },
  });
}

/**
 * An immutable, reusable graph fragment with a typed entry and typed exits, made by `asConnection()`.
 * Inline it with `builder.addWorkflow(connection, { prefix })`; every use makes an independent copy.
 */
export class WorkflowConnection<TInput = unknown, TExit extends AnyExecutor = AnyExecutor> implements WorkflowHandle<TInput, TExit> {
  readonly name: string;
  /** @internal */
  readonly fragment: GraphFragment;
  readonly #handle: WorkflowHandle<TInput, TExit>;

  /** @internal Use `builder.asConnection()` or `workflow.asConnection()`. */
  constructor(fragment: GraphFragment) {
    this.name = fragment.name;
    this.fragment = Object.freeze({
      ...fragment,
      executors: Object.freeze([...fragment.executors]),
      edges: Object.freeze([...fragment.edges]),
      exits: Object.freeze([...fragment.exits]),
      outputIfUnconnected: Object.freeze([...fragment.outputIfUnconnected]),
    });
    this.#handle = createHandle(this.fragment);
    Object.freeze(this);
  }

  get entry(): Executor<any, any, any, TInput> {
    return this.#handle.entry;
  }
  get exit(): TExit {
    return this.#handle.exit;
  }
  get exits(): readonly TExit[] {
    return this.#handle.exits;
  }

  /** @internal */
  toFragment(): GraphFragment {
    return this.fragment;
  }
}
