import type { Subscriber } from 'rxjs';
// rxjs's own modules, not its index (which loads every operator): see events/event-stream.ts.
import { Observable } from 'rxjs/internal/Observable';
import { Subject } from 'rxjs/internal/Subject';
import { EventStream } from '../events/event-stream.js';
import type { WorkflowEvent } from '../events/events.js';
import { describeWorkflow, type WorkflowDescription } from '../model/describe.js';
import { toMermaid } from '../model/mermaid.js';
import { approvalAnswer } from '../internal/approval-answer.js';
import type { AnswerOf, AnyExecutor, ApproveOptions, Executor, PendingRequest, RejectOptions, WorkflowDefinition } from '../model/types.js';
import { compileDefinition } from './compiled.js';
import { RunEngine, type CompiledWorkflow, type ResumeOptions, type RunOptions, type RunResult } from './run.js';
import { CHECKPOINT_VERSION, loadCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import { CheckpointError, isWeftError, RequestError } from '../errors.js';
import { createNestedExecutor, type NestedWorkflowOptions } from './nested.js';
import { WorkflowConnection } from '../composition/connection.js';
import { prefixFragment, withExitIds, type GraphFragment } from '../composition/fragment.js';
import { specOfEdge } from '../composition/edge-spec.js';
import { keepRunShapes } from './shapes.js';

/** A started run: its live events, its result, and a way to cancel it. */
export interface WorkflowRun<TOutput = unknown> {
  readonly runId: string;
  /**
   * The run's events, hot: subscribe in the same tick as `start()` to see them all. A failed run emits
   * `run.failed` and completes; the error itself rejects `result`.
   */
  readonly events$: Observable<WorkflowEvent>;
  /** Resolves when the run completes; rejects with the run's error when it fails or is cancelled. */
  readonly result: Promise<RunResult<TOutput>>;
  /** Requests waiting for an answer right now. */
  readonly pendingRequests: readonly PendingRequest[];
  /**
   * Answers a pending request; the answer reaches the asking executor's `onResponse` in the next superstep.
   * While requests are pending the run waits in memory for them (`run.waiting`), and `result` resolves only
   * when it completes. Rejects with a RequestError, changing nothing, for an unknown id or a wrong shape. The type
   * argument types the answer: the asking executor's type (`respond<typeof ask>`) or the answer's own type.
   */
  respond<T = unknown>(requestId: string, value: NoInfer<AnswerOf<T>>): Promise<void>;
  /** Approves a request made by `withApproval` (`respond` with `{ approved: true, reason?, input? }`). */
  approve<TInput = unknown>(requestId: string, options?: ApproveOptions<NoInfer<TInput>>): Promise<void>;
  /** Rejects a request made by `withApproval` (`respond` with `{ approved: false, reason? }`). */
  reject(requestId: string, options?: RejectOptions): Promise<void>;
  cancel(reason?: unknown): void;
}

/**
 * A resumed run (`workflow.resume()`): the handle `start()` gives, and awaitable for its result, so that
 * `await workflow.resume(id, options)` is the run's `RunResult`.
 */
export interface ResumedRun<TOutput = unknown> extends Omit<WorkflowRun<TOutput>, 'runId'>, PromiseLike<RunResult<TOutput>> {
  /**
   * The run's id: the checkpoint's run, or a new id when resuming an older checkpoint forks it. Undefined until the
   * checkpoint is loaded; the first event (`run.resumed`) carries it too.
   */
  readonly runId: string | undefined;
}

/** The part of a started or resumed run that `approvals` (an approval gate) attaches to. */
export interface AttachableRun {
  readonly runId: string | undefined;
  readonly events$: Observable<WorkflowEvent>;
  readonly pendingRequests: readonly PendingRequest[];
  respond(requestId: string, value: unknown): Promise<void>;
}

/** Answers a run's requests from code while it runs, such as the gate `createApprovalGate()` makes. */
export interface RunApprovals {
  /** Starts answering; returns a function that stops it. */
  attach(run: AttachableRun): () => void;
}

/** Options of `start()`: those of `run()`, and `approvals`. */
export interface StartOptions extends RunOptions {
  /** Answers the run's approval requests while it runs (`createApprovalGate()`), attached before its first event. */
  readonly approvals?: RunApprovals;
}

/** Options of `resume()`: the answers, and those of `start()`. */
export interface ResumeRunOptions extends ResumeOptions, StartOptions {}

function checkApprovals(approvals: unknown): void {
  if (approvals !== undefined && typeof (approvals as Partial<RunApprovals> | null)?.attach !== 'function')
    throw new TypeError('Run option approvals must have attach(run), as the gate of createApprovalGate({ onRequest }) has.');
}

/**
 * A nested workflow's node: it sends the child's outputs, or one array of them with `outputs: 'collect'`; with
 * `outputs: 'output'` it yields the child's output type (when the child declares one).
 */
export type NestedExecutor<TInput, TOutput, TOptions> = TOptions extends { readonly outputs: 'collect' }
  ? Executor<TInput, TOutput[], unknown>
  : Executor<TInput, TOutput, unknown, TInput, TOptions extends { readonly outputs: 'output' } ? (unknown extends TOutput ? any : TOutput) : any>;

/**
 * An immutable, validated graph, made by `WorkflowBuilder.build()`. Run it any number of times, concurrently;
 * every run is isolated.
 */
export class Workflow<TInput = unknown, TOutput = unknown, TExit extends AnyExecutor = AnyExecutor> {
  readonly name: string;
  /** A stable hash of ids, kinds and edges; checkpoints record it to refuse resuming on another graph. */
  readonly signature: string;
  readonly definition: WorkflowDefinition;
  /** @internal Carries the exit type for `addWorkflow`; never set at run time. */
  declare readonly '~exit'?: TExit;
  readonly #compiled: CompiledWorkflow;

  /** @internal Use `WorkflowBuilder.build()`. */
  constructor(definition: WorkflowDefinition) {
    this.name = definition.name;
    this.signature = definition.signature;
    this.definition = definition;
    this.#compiled = compileDefinition(definition);
    keepRunShapes(this.#compiled); // a full GC then leaves the runs' optimized code in place (see shapes.ts)
    Object.freeze(this);
  }

  /**
   * Runs to the end and resolves with the outputs.
   * @example
   * const { outputs } = await workflow.run('21');
   */
  run(input: TInput, options: RunOptions = {}): Promise<RunResult<TOutput>> {
    try {
      return new RunEngine(this.#compiled, options, undefined).execute(input) as Promise<RunResult<TOutput>>;
    } catch (error) {
      return Promise.reject(error); // invalid options reject like every other failure of run()
    }
  }

  /**
   * A cold stream of the run's events: every subscription starts a new run, unsubscribing cancels it.
   * It errors with the run's error after `run.failed`, and completes after `run.completed` or `run.cancelled`.
   * Also usable with `for await`.
   */
  stream(input: TInput, options: RunOptions = {}): EventStream<WorkflowEvent> {
    return new EventStream<WorkflowEvent>((subscriber) => {
      const engine = this.#streamEngine(subscriber, options);
      if (engine === undefined) return undefined;
      this.#settle(subscriber, engine.execute(input));
      return () => engine.cancel();
    });
  }

  /** `resume` as a cold stream of the resumed run's events (it ends at `run.waiting` when it waits again). */
  resumeStream(from: Checkpoint | string, options: ResumeOptions = {}): EventStream<WorkflowEvent> {
    return new EventStream<WorkflowEvent>((subscriber) => {
      let engine: RunEngine | undefined;
      let cancelled = false;
      this.#prepareResume(from, options).then(
        ({ checkpoint, runId }) => {
          if (cancelled) return;
          engine = this.#streamEngine(subscriber, { ...options, runId });
          if (engine !== undefined) this.#settle(subscriber, engine.resume(checkpoint, options.responses ?? {}));
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        cancelled = true;
        engine?.cancel();
      };
    });
  }

  #streamEngine(subscriber: Subscriber<WorkflowEvent>, options: RunOptions): RunEngine | undefined {
    try {
      const engine: RunEngine = new RunEngine(this.#compiled, options, (event) => {
        subscriber.next(event);
        if (subscriber.closed) engine.cancel(); // e.g. take(n) inside a synchronous run: stop before the next superstep
      });
      return engine;
    } catch (error) {
      subscriber.error(error);
      return undefined;
    }
  }

  #settle(subscriber: Subscriber<WorkflowEvent>, ended: Promise<unknown>): void {
    ended.then(
      () => subscriber.complete(),
      (error: unknown) => {
        if (isWeftError(error) && error.code === 'run_cancelled') subscriber.complete();
        else subscriber.error(error);
      },
    );
  }

  /**
   * Starts a run at the next microtask and returns its handle at once. A run that waits for answers waits in
   * memory for `respond()` (or for `approvals`).
   */
  start(input: TInput, options: StartOptions = {}): WorkflowRun<TOutput> {
    checkApprovals(options.approvals);
    const events = new Subject<WorkflowEvent>();
    const engine = new RunEngine(this.#compiled, options, (event) => events.next(event), [], undefined, true);
    const result = Promise.resolve()
      .then(() => engine.execute(input) as Promise<RunResult<TOutput>>)
      .finally(() => events.complete());
    result.catch(() => undefined); // the caller may only watch events$; the error stays on `result` for whoever awaits it
    const run: WorkflowRun<TOutput> = {
      runId: engine.runId,
      events$: events.asObservable(),
      result,
      get pendingRequests() {
        return engine.pendingRequests;
      },
      respond: (requestId: string, value: unknown) => engine.respond(requestId, value),
      approve: (requestId: string, approval?: ApproveOptions) => engine.respond(requestId, approvalAnswer(true, approval)),
      reject: (requestId: string, rejection?: RejectOptions) => engine.respond(requestId, approvalAnswer(false, rejection)),
      cancel: (reason?: unknown) => engine.cancel(reason),
    };
    options.approvals?.attach(run);
    return run;
  }

  /**
   * Continues a run from a checkpoint (or its id, loaded from `options.checkpoints`), answering pending requests
   * with `options.responses` first, and returns its handle at once: events, result, respond, cancel, as `start()`
   * gives; `await` it for the result. Like `run()`, a run that waits again stops with status `'waiting'`; with
   * `approvals` it waits in memory for answers, like `start()`. Resuming a run's latest checkpoint continues that
   * run; an older one forks a new run whose first checkpoint has the old one as parent. Refuses, with a
   * CheckpointError, a checkpoint taken on another graph or written by a newer weft.
   * @example
   * const done = await workflow.resume(checkpointId, { checkpoints: store, responses: { [requestId]: answer } });
   * const run = workflow.resume(checkpointId, { checkpoints: store });
   * run.events$.subscribe((event) => console.log(event.type));
   */
  resume(from: Checkpoint | string, options: ResumeRunOptions = {}): ResumedRun<TOutput> {
    checkApprovals(options.approvals);
    const events = new Subject<WorkflowEvent>();
    const live = options.approvals !== undefined;
    let engine: RunEngine | undefined;
    let cancelled: { readonly reason: unknown } | undefined;
    let stopped = false;
    const result = Promise.resolve()
      .then(async () => {
        const { checkpoint, runId } = await this.#prepareResume(from, options);
        engine = new RunEngine(this.#compiled, { ...options, runId }, (event) => events.next(event), [], undefined, live);
        if (cancelled !== undefined) engine.cancel(cancelled.reason);
        return (await engine.resume(checkpoint, options.responses ?? {})) as RunResult<TOutput>;
      })
      .finally(() => {
        stopped = true;
        events.complete();
      });
    result.catch(() => undefined); // as in start(): the error stays on `result` for whoever awaits it
    const run: ResumedRun<TOutput> = {
      get runId() {
        return engine?.runId;
      },
      events$: events.asObservable(),
      result,
      get pendingRequests() {
        return engine?.pendingRequests ?? [];
      },
      respond: async (requestId: string, value: unknown) => {
        if (stopped || engine === undefined) {
          throw new RequestError(
            'run_not_waiting',
            stopped
              ? `The resumed run${engine === undefined ? '' : ` "${engine.runId}"`} has stopped, so it takes no answer to "${requestId}" here. Resume its last checkpoint with { responses: { "${requestId}": value } }.`
              : `The resumed run has not loaded its checkpoint yet, so it cannot take an answer to "${requestId}". Pass it as resume(from, { responses }), or answer once its run.resumed event is out.`,
            { requestId, ...(engine === undefined ? {} : { runId: engine.runId }) },
          );
        }
        return engine.respond(requestId, value);
      },
      approve: (requestId: string, approval?: ApproveOptions) => run.respond(requestId, approvalAnswer(true, approval)),
      reject: (requestId: string, rejection?: RejectOptions) => run.respond(requestId, approvalAnswer(false, rejection)),
      cancel: (reason?: unknown) => {
        if (engine === undefined) cancelled ??= { reason };
        else engine.cancel(reason);
      },
      then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
    };
    options.approvals?.attach(run);
    return run;
  }

  /** Loads and checks the checkpoint, and picks the run id: the same run for its latest checkpoint, a fork otherwise. */
  async #prepareResume(from: Checkpoint | string, options: ResumeOptions): Promise<{ checkpoint: Checkpoint; runId: string }> {
    const store = options.checkpoints;
    let checkpoint: Checkpoint;
    if (typeof from === 'string') {
      if (store === undefined)
        throw new CheckpointError(
          'no_store',
          `Resuming checkpoint "${from}" by id needs the store it is in: workflow.resume(id, { checkpoints: store }).`,
          { checkpointId: from },
        );
      checkpoint = await loadCheckpoint(store, from);
    } else checkpoint = from;
    if (checkpoint.version > CHECKPOINT_VERSION) {
      throw new CheckpointError(
        'future_version',
        `Checkpoint "${checkpoint.id}" was written by a newer weft (checkpoint version ${checkpoint.version}; this one reads up to ${CHECKPOINT_VERSION}). Upgrade weft to resume it.`,
        {
          checkpointId: checkpoint.id,
          runId: checkpoint.runId,
        },
      );
    }
    if (checkpoint.signature !== this.signature) {
      throw new CheckpointError(
        'signature_mismatch',
        `Checkpoint "${checkpoint.id}" was taken on workflow "${checkpoint.workflow}" with graph signature ${checkpoint.signature}, but "${this.name}" has signature ${this.signature}: its executors, kinds or edges differ. Resume with the workflow the checkpoint was taken on, or start a new run.`,
        { checkpointId: checkpoint.id, runId: checkpoint.runId },
      );
    }
    const latest = store === undefined ? undefined : await store.latest(checkpoint.runId);
    const runId = options.runId ?? (latest === undefined || latest.id === checkpoint.id ? checkpoint.runId : globalThis.crypto.randomUUID());
    return { checkpoint, runId };
  }

  /**
   * This workflow as one node of another: each message runs it to the end; its events are forwarded live
   * with their path, its outputs are sent along the node's edges (or become parent outputs), and its failure
   * fails the node with the child's error as `cause`. With `outputs: 'collect'` it sends one array of them per run.
   */
  asExecutor<const TOptions extends NestedWorkflowOptions>(options: TOptions): NestedExecutor<TInput, TOutput, TOptions> {
    return createNestedExecutor<TInput, TOutput>(this.#compiled, options) as unknown as NestedExecutor<TInput, TOutput, TOptions>;
  }

  /** A reusable fragment of this graph, to inline with `builder.addWorkflow(connection, { prefix })`. */
  asConnection(options?: { readonly prefix?: string }): WorkflowConnection<TInput, TExit>;
  asConnection<TX extends AnyExecutor>(options: {
    readonly prefix?: string;
    readonly exits: readonly (TX | string)[];
  }): WorkflowConnection<TInput, TX>;
  asConnection(options: { readonly prefix?: string; readonly exits?: readonly (AnyExecutor | string)[] } = {}): WorkflowConnection<any, any> {
    return new WorkflowConnection(prefixFragment(withExitIds(this.toFragment(), options.exits), options.prefix));
  }

  /** @internal This graph as data, for merge and connections. */
  toFragment(): GraphFragment {
    const d = this.definition;
    return {
      name: d.name,
      start: d.start,
      executors: d.executors,
      edges: d.edges.map(specOfEdge),
      exits: d.exits,
      outputIfUnconnected: d.outputIfUnconnected,
    };
  }

  /** The topology as plain JSON: executors with their JSON Schemas, and edges. */
  describe(): WorkflowDescription {
    return describeWorkflow(this.definition);
  }

  /** The graph as a Mermaid flowchart. */
  toMermaid(): string {
    return toMermaid(this.definition);
  }
}
