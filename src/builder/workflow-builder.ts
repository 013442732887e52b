import { adapter } from '../composition/adapter.js';
import { createHandle, WorkflowConnection, type WorkflowHandle } from '../composition/connection.js';
import { idOf, type EdgeSpec, type Ref } from '../composition/edge-spec.js';
import { checkCollisions, checkPrefix, prefixFragment, sinksOf, withExitIds, type GraphFragment } from '../composition/fragment.js';
import { GraphValidationError, UnknownExecutorError, type GraphIssue } from '../errors.js';
import { deepFreeze } from '../internal/freeze.js';
import { limitProblem } from '../internal/limits.js';
import { edgeId } from '../model/edges.js';
import { computeSignature } from '../model/signature.js';
import type { AnyExecutor, EdgeDefinition, Executor, ExecutorDefaults, Schema, ValidationMode, WorkflowDefinition } from '../model/types.js';
import { Workflow } from '../runtime/workflow.js';
import type {
  CheckedAllYields,
  CheckedYields,
  CheckedChain,
  CheckedSource,
  CheckedTarget,
  FanInMessage,
  SentBy,
  Source,
  CheckedSwitch,
  SwitchTargets,
  SwitchCase,
  SwitchDefault,
  Target,
  WhenMessage,
} from './edge-types.js';
import { validateGraph } from './validate.js';

/** Anything whose graph can be merged or inlined: a builder, a built workflow, or a connection. */
export type GraphSource<TInput = any, TExit extends AnyExecutor = AnyExecutor> =
  | WorkflowBuilder<TInput, any, TExit>
  | Workflow<TInput, any, TExit>
  | WorkflowConnection<TInput, TExit>;

/** Options of `asConnection` and `addWorkflow`: which executors are the exits (default: those with no outgoing edge). */
export interface ExitOptions<TExit extends AnyExecutor> {
  readonly exits: readonly (TExit | string)[];
}

const fragmentOf = (source: GraphSource): GraphFragment => source.toFragment();

/** Options of a new {@link WorkflowBuilder}. */
export interface WorkflowBuilderOptions<TStart extends Executor<any, any, any, any> | string, TOutput> {
  readonly name: string;
  /** The executor that receives the run's input. */
  readonly start: TStart;
  /** Fails the run after this many supersteps (default 100). */
  readonly maxSupersteps?: number;
  /** Cap on handler invocations in flight at once in a run (default unbounded). */
  readonly maxConcurrency?: number;
  /** `'edges-only'` skips validating messages at delivery. Default `'all'`. */
  readonly validate?: ValidationMode;
  /** Validates, and types, every value passed to `ctx.output`. */
  readonly output?: Schema<TOutput>;
}

function checkLimit(name: string, value: number | undefined, issues: GraphIssue[]): void {
  const problem = limitProblem(name, value);
  if (problem !== undefined) issues.push({ code: 'invalid_option', message: problem, executorIds: [] });
}

/**
 * Collects executors and typed edges; `build()` validates everything at once and freezes the result.
 * Mutable and fluent; build it as many times as you like.
 * @example
 * const workflow = new WorkflowBuilder({ name: 'calc', start: parse }).addEdge(parse, double).addEdge(double, sink).build();
 */
export class WorkflowBuilder<TInput = unknown, TOutput = unknown, TExit extends AnyExecutor = AnyExecutor> {
  readonly name: string;
  private readonly options: WorkflowBuilderOptions<Ref, TOutput>;
  private readonly executors = new Map<string, AnyExecutor>();
  private readonly conflicts: GraphIssue[] = [];
  private readonly edges: EdgeSpec[] = [];
  /** Exits declared by a subclass (the aggregator of a ConcurrentBuilder, say); otherwise the sinks. */
  protected declaredExits: readonly Ref[] | undefined;
  /** Executors whose sends become run outputs when nothing is connected after them. */
  private readonly terminalOutputs = new Set<string>();
  private defaults: ExecutorDefaults = {};

  // The start's `yields` is checked structurally (a constructor takes no type parameter of its own to name it by).
  constructor(options: WorkflowBuilderOptions<Executor<any, any, any, TInput, NoInfer<TOutput>> | string, TOutput>) {
    if (typeof options.name !== 'string' || options.name.length === 0) {
      throw new TypeError('A workflow needs a non-empty name: new WorkflowBuilder({ name: "my-workflow", start }).');
    }
    this.name = options.name;
    this.options = options;
    if (typeof options.start !== 'string') this.register(options.start);
  }

  /**
   * Adds an executor; edges add theirs too, so this is needed only for executors referred to by id. Like every method
   * that adds executors, it refuses at compile time one whose `yields` type the workflow's `output` type does not cover.
   */
  addExecutor<TExecutor extends AnyExecutor>(executor: CheckedYields<TOutput, TExecutor>): this;
  addExecutor(executor: AnyExecutor): this {
    this.register(executor);
    return this;
  }

  /**
   * Connects two executors, checking at compile time that `to` accepts what `from` sends; with `when`, only
   * messages for which it returns true pass. A type guard as `when` narrows what `to` must accept.
   */
  addEdge<TFrom extends Ref, TTo extends Ref, TMessage extends WhenMessage<TFrom> = never>(
    from: CheckedYields<TOutput, TFrom, CheckedSource<TFrom>>,
    to: CheckedYields<TOutput, TTo, CheckedTarget<TMessage, TTo>>,
    options: { readonly when: (message: WhenMessage<TFrom>) => message is TMessage },
  ): this;
  addEdge<TFrom extends Ref, TTo extends Ref>(
    from: CheckedYields<TOutput, TFrom, CheckedSource<TFrom>>,
    to: CheckedYields<TOutput, TTo, CheckedTarget<SentBy<TFrom>, TTo>>,
    options?: { readonly when?: (message: WhenMessage<TFrom>) => boolean },
  ): this;
  addEdge(from: Ref, to: Ref, options: { readonly when?: ((message: any) => boolean) | undefined } = {}): this {
    this.edges.push({
      kind: 'direct',
      source: this.ref(from),
      target: this.ref(to),
      when: options.when as ((message: unknown) => boolean) | undefined,
    });
    return this;
  }

  /** Connects each executor to the next; every link is type-checked. */
  addChain<const TChain extends readonly Ref[]>(this: CheckedAllYields<TOutput, TChain[number]>, chain: TChain & CheckedChain<TChain>): this;
  addChain(chain: readonly Ref[]): this {
    const refs = chain as readonly Ref[];
    if (refs.length < 2) throw new TypeError(`addChain needs at least two executors, got ${refs.length}.`);
    for (let i = 1; i < refs.length; i++) this.addEdge(refs[i - 1] as Ref, refs[i] as Ref);
    return this;
  }

  /** Sends every message to all targets, or to those `select` returns (by id). */
  addFanOut<TFrom extends Ref, const TTargets extends readonly Target<SentBy<TFrom>>[]>(
    this: CheckedAllYields<TOutput, TTargets[number]>,
    from: CheckedYields<TOutput, TFrom, CheckedSource<TFrom>>,
    to: TTargets,
    options?: { readonly select?: (message: WhenMessage<TFrom>, targets: readonly string[]) => string | readonly string[] },
  ): this;
  addFanOut(
    from: Ref,
    to: readonly Ref[],
    options: { readonly select?: (message: any, targets: readonly string[]) => string | readonly string[] } = {},
  ): this {
    this.edges.push({
      kind: 'fan-out',
      source: this.ref(from as Ref),
      targets: to.map((t) => this.ref(t)),
      select: options.select as ((message: unknown, targets: readonly string[]) => string | readonly string[]) | undefined,
    });
    return this;
  }

  /** Waits for one message from every source, then delivers them to `to` as one array, in source order. */
  addFanIn<const TSources extends readonly Source<any>[], TTo extends Target<FanInMessage<TSources>>>(
    this: CheckedAllYields<TOutput, TSources[number]>,
    from: TSources,
    to: CheckedYields<TOutput, TTo>,
  ): this;
  addFanIn(from: readonly Ref[], to: Ref): this {
    this.edges.push({ kind: 'fan-in', sources: from.map((s) => this.ref(s)), target: this.ref(to) });
    return this;
  }

  /**
   * Routes each message to the first case whose `when` holds, else to the `otherwise` target (required, last). A type
   * guard as `when` narrows what that case's target must accept; `otherwise` must accept everything the source sends.
   */
  addSwitch<TFrom extends Ref, TCase extends SwitchCase<WhenMessage<TFrom>> | SwitchDefault<any>>(
    this: CheckedSwitch<SentBy<TFrom>, TCase> & CheckedAllYields<TOutput, SwitchTargets<TCase>>,
    from: CheckedYields<TOutput, TFrom, CheckedSource<TFrom>>,
    cases: readonly TCase[],
  ): this;
  addSwitch(from: Ref, cases: readonly (SwitchCase<unknown> | SwitchDefault<unknown>)[]): this {
    const branches: { when: (message: unknown) => boolean; target: Ref }[] = [];
    let otherwise: Ref | undefined;
    let misplacedDefault = false;
    cases.forEach((branch, index) => {
      if ('otherwise' in branch) {
        if (otherwise !== undefined || index !== cases.length - 1) misplacedDefault = true;
        otherwise = this.ref(branch.otherwise);
      } else {
        branches.push({ when: branch.when as (message: unknown) => boolean, target: this.ref(branch.to) });
      }
    });
    this.edges.push({ kind: 'switch', source: this.ref(from), cases: branches, otherwise, misplacedDefault });
    return this;
  }

  /**
   * Copies another graph's executors and edges into this one, every id under `prefix/` when given.
   * Its start becomes an ordinary executor here; connect to it by object or id (`'analysis/aggregator'`).
   */
  merge(other: GraphSource, options: { readonly prefix?: string } = {}): this {
    this.inline(fragmentOf(other), options.prefix);
    return this;
  }

  /**
   * Inlines another graph under `prefix` and returns its typed ends, so that
   * `addEdge(intake, handle.entry)` and `addEdge(handle.exit, report)` type-check like any edge.
   */
  addWorkflow<TIn, TX extends AnyExecutor>(source: GraphSource<TIn, TX>, options: { readonly prefix: string }): WorkflowHandle<TIn, TX>;
  addWorkflow<TIn, TX extends AnyExecutor>(source: GraphSource<TIn>, options: { readonly prefix: string } & ExitOptions<TX>): WorkflowHandle<TIn, TX>;
  addWorkflow(source: GraphSource, options: { readonly prefix: string; readonly exits?: readonly Ref[] }): WorkflowHandle<any, any> {
    if (options?.prefix === undefined) throw new TypeError('addWorkflow needs a prefix: builder.addWorkflow(other, { prefix: "name" }).');
    return createHandle(this.inline(withExitIds(fragmentOf(source), options.exits), options.prefix));
  }

  /**
   * Freezes this graph, as it is now, into a reusable fragment with a typed entry and exits.
   * Later changes to this builder do not reach it; each `addWorkflow(connection, { prefix })` copies it anew.
   */
  asConnection(options?: { readonly prefix?: string }): WorkflowConnection<TInput, TExit>;
  asConnection<TX extends AnyExecutor>(options: { readonly prefix?: string } & ExitOptions<TX>): WorkflowConnection<TInput, TX>;
  asConnection(options: { readonly prefix?: string; readonly exits?: readonly Ref[] } = {}): WorkflowConnection<any, any> {
    return new WorkflowConnection(prefixFragment(withExitIds(this.toFragment(), options.exits), options.prefix));
  }

  /** Inserts a pure transform between two executors whose message types do not fit. */
  addAdapter<TFrom, TTo, TSource extends Source<TFrom>, TTarget extends Target<TTo>>(
    this: CheckedAllYields<TOutput, TSource | TTarget>,
    from: TSource & Source<TFrom>,
    to: TTarget & Target<TTo>,
    transform: (message: TFrom) => NoInfer<TTo>,
    options?: { readonly id?: string },
  ): this;
  addAdapter(from: Ref, to: Ref, transform: (message: unknown) => unknown, options: { readonly id?: string } = {}): this {
    const bridge = adapter(options.id ?? `${idOf(from)}->${idOf(to)}`, transform);
    this.edges.push({ kind: 'direct', source: this.ref(from), target: this.ref(bridge), when: undefined });
    this.edges.push({ kind: 'direct', source: bridge, target: this.ref(to), when: undefined });
    return this;
  }

  /** @internal This graph as data, for merge and connections. */
  toFragment(): GraphFragment {
    const executors = [...this.executors.values()];
    const edges = [...this.edges];
    return {
      name: this.name,
      start: idOf(this.options.start),
      executors,
      edges,
      exits: this.declaredExits?.map(idOf) ?? sinksOf(executors, edges),
      outputIfUnconnected: [...this.terminalOutputs],
    };
  }

  /**
   * Makes what `executor` sends a run output for as long as no edge leaves it, so a prebuilt graph yields
   * results when run alone and still passes them on once something is connected after it.
   */
  protected outputWhenUnconnected(executor: Ref): this {
    this.terminalOutputs.add(idOf(executor));
    return this;
  }

  private inline(fragment: GraphFragment, prefix: string | undefined): GraphFragment {
    checkPrefix(prefix);
    const copy = prefixFragment(fragment, prefix);
    checkCollisions(this.name, this.executors, copy, prefix);
    for (const executor of copy.executors) this.register(executor);
    for (const id of copy.outputIfUnconnected) this.terminalOutputs.add(id);
    this.edges.push(...copy.edges);
    return copy;
  }

  /** Graph-wide retry and timeout for every executor that sets none of its own. */
  setDefaults(defaults: ExecutorDefaults): this {
    if (defaults.retry !== undefined && !(Number.isInteger(defaults.retry.attempts) && defaults.retry.attempts >= 1)) {
      throw new TypeError(`setDefaults: retry.attempts counts every try and must be an integer ≥ 1, got ${defaults.retry.attempts}.`);
    }
    if (defaults.timeoutMs !== undefined && !(defaults.timeoutMs > 0))
      throw new TypeError(`setDefaults: timeoutMs must be a positive number of milliseconds, got ${defaults.timeoutMs}.`);
    this.defaults = { ...this.defaults, ...defaults };
    return this;
  }

  /** True when this graph has an executor with this id (added directly, by an edge, or by merge). */
  has(id: string): boolean {
    return this.executors.has(id);
  }

  /** The executor with this id; throws listing the known ids when there is none (see {@link WorkflowBuilder.has}). */
  get(id: string): AnyExecutor {
    const found = this.executors.get(id);
    if (found === undefined) {
      throw new UnknownExecutorError(
        id,
        `Workflow "${this.name}" has no executor "${id}". Known executors: ${[...this.executors.keys()].map((k) => `"${k}"`).join(', ') || 'none'}.`,
      );
    }
    return found;
  }

  /** Validates the graph, collecting every issue into one GraphValidationError, and returns a frozen Workflow. */
  build(): Workflow<TInput, TOutput, TExit> {
    const issues: GraphIssue[] = [...this.conflicts];
    checkLimit('maxSupersteps', this.options.maxSupersteps, issues);
    checkLimit('maxConcurrency', this.options.maxConcurrency, issues);
    if (this.options.validate !== undefined && this.options.validate !== 'all' && this.options.validate !== 'edges-only') {
      issues.push({
        code: 'invalid_option',
        message: `validate must be 'all' or 'edges-only', got ${JSON.stringify(this.options.validate)}.`,
        executorIds: [],
      });
    }

    const known = (ref: Ref, role: string): boolean => {
      const id = idOf(ref);
      if (this.executors.has(id)) return true;
      issues.push({
        code: 'unknown_executor',
        message: `${role} "${id}" is not an executor of workflow "${this.name}". Add it with builder.addExecutor(…) or fix the id.`,
        executorIds: [id],
      });
      return false;
    };

    const start = idOf(this.options.start);
    const startKnown = this.executors.has(start);
    if (!startKnown) {
      issues.push({
        code: 'missing_start',
        message: `The start executor "${start}" is not in workflow "${this.name}". Pass the executor object as start, or add it with builder.addExecutor(…).`,
        executorIds: [start],
      });
    }

    const edges: EdgeDefinition[] = [];
    for (const spec of this.edges) {
      switch (spec.kind) {
        case 'direct':
          if (known(spec.source, 'Edge source') && known(spec.target, 'Edge target')) {
            const [source, target] = [idOf(spec.source), idOf(spec.target)];
            edges.push({ kind: 'direct', id: edgeId('direct', [source], [target]), source, target, when: spec.when });
          }
          break;
        case 'fan-out': {
          const ok = [known(spec.source, 'Fan-out source'), ...spec.targets.map((t) => known(t, 'Fan-out target'))].every(Boolean);
          if (ok) {
            const [source, targets] = [idOf(spec.source), spec.targets.map(idOf)];
            edges.push({ kind: 'fan-out', id: edgeId('fan-out', [source], targets), source, targets, select: spec.select });
          }
          break;
        }
        case 'fan-in': {
          const ok = [...spec.sources.map((s) => known(s, 'Fan-in source')), known(spec.target, 'Fan-in target')].every(Boolean);
          if (ok) {
            const [sources, target] = [spec.sources.map(idOf), idOf(spec.target)];
            edges.push({ kind: 'fan-in', id: edgeId('fan-in', sources, [target]), sources, target });
          }
          break;
        }
        case 'switch': {
          const source = idOf(spec.source);
          if (spec.otherwise === undefined || spec.misplacedDefault) {
            issues.push({
              code: 'switch_without_otherwise',
              message: `Switch from "${source}" needs exactly one { otherwise: target }, as its last case, so that every message goes somewhere.`,
              executorIds: [source],
            });
          }
          const ok = [
            known(spec.source, 'Switch source'),
            ...spec.cases.map((c) => known(c.target, 'Switch target')),
            spec.otherwise === undefined || known(spec.otherwise, 'Switch target'),
          ].every(Boolean);
          if (ok && spec.otherwise !== undefined) {
            const cases = spec.cases.map((c) => ({ when: c.when, target: idOf(c.target) }));
            const otherwise = idOf(spec.otherwise);
            edges.push({ kind: 'switch', id: edgeId('switch', [source], [...cases.map((c) => c.target), otherwise]), source, cases, otherwise });
          }
          break;
        }
      }
    }

    issues.push(...validateGraph(startKnown ? start : undefined, this.executors, edges, this.options.output));
    if (issues.length > 0) throw new GraphValidationError(this.name, issues);

    const executors = [...this.executors.values()];
    const outputIfUnconnected = [...this.terminalOutputs].filter((id) => this.executors.has(id));
    const definition: WorkflowDefinition = {
      name: this.name,
      start,
      executors,
      edges,
      maxSupersteps: this.options.maxSupersteps ?? 100,
      maxConcurrency: this.options.maxConcurrency ?? Infinity,
      validate: this.options.validate ?? 'all',
      outputSchema: this.options.output,
      exits: this.declaredExits?.map(idOf) ?? sinksOf(executors, this.edges),
      outputIfUnconnected,
      defaults: { ...this.defaults },
      signature: computeSignature(start, executors, edges, outputIfUnconnected),
    };
    return new Workflow<TInput, TOutput, TExit>(deepFreeze(definition));
  }

  private ref(ref: Ref): Ref {
    if (typeof ref !== 'string') this.register(ref);
    return ref;
  }

  private register(executor: AnyExecutor): void {
    const existing = this.executors.get(executor.id);
    if (existing === undefined) this.executors.set(executor.id, executor);
    else if (existing !== executor) {
      this.conflicts.push({
        code: 'duplicate_executor',
        message: `Two different executors share the id "${executor.id}". Give each a unique id.`,
        executorIds: [executor.id],
      });
    }
  }
}
