import type { Draft, Patch } from 'immer';
import { freezeState, produceStateWithPatches } from '../internal/immer.js';
import { ContextClosedError, RequestError, StateValidationError } from '../errors.js';
import { findNonJson } from '../internal/plain-json.js';
import { checkYields } from './checks.js';
import type { Budget, EmitOptions, ExecutorContext, PendingRequest, RequestOptions, Schema, SendOptions, SharedState } from '../model/types.js';
import type { SentMessage } from '../routing/router.js';
import type { CompiledWorkflow } from './compiled.js';

import type { InvocationRecord, RecordedSharedWrite } from './invocation-records.js';
import type { InvocationEffects, SharedOp } from './superstep.js';
import { prefixPatches, type ExecutorSlot } from './slot.js';

export { ExecutorSlot } from './slot.js';

type Recipe = (draft: Draft<unknown>) => unknown;

/** What the engine offers a context; implemented by the run. */
export interface ContextHost {
  readonly runId: string;
  readonly path: readonly string[];
  readonly committedShared: Readonly<Record<string, unknown>>;
  /** Record immer patches of every state write, for delta checkpoints. */
  readonly recordPatches: boolean;
  /** Checkpoints are taken (in any durability mode): messages and outputs must be plain JSON too. */
  readonly checkpointing: boolean;
  /** Finished invocations leave an `InvocationRecord` (their shared updates keep patches for it). */
  readonly recording: boolean;
  /** What this run's invocation ids start with: the run id, or the id of the invocation that runs this nested run. */
  readonly invocationPrefix: string;
  checkSend(sourceId: string, to: string): void;
  checkOutput(executorId: string, value: unknown): void;
  emitCustom(executorId: string, superstep: number, name: string, data: unknown, transient?: boolean): void;
  /** A signal of this invocation's own, aborted with the run; released with `releaseSignal`. */
  ownSignal(): AbortController;
  releaseSignal(controller: AbortController): void;
  emitPhase(executorId: string, superstep: number, name: string, outcome: { readonly ok: boolean; readonly durationMs: number } | undefined): void;
  /** The `ctx.budget` of an invocation; `onTokens` learns every amount it charges or records. */
  budgetFor(executorId: string, onTokens: (tokens: number) => void): Budget;
  /** Tokens an invocation of this run charged: counted by the invocation that runs this run, if nested. */
  tokensCharged(tokens: number): void;
  /** Keeps a request's own response schema for as long as this process runs the request. */
  rememberResponseSchema(requestId: string, schema: Schema): void;
  /** Runs a nested workflow inside this invocation: same cancellation and concurrency cap, events forwarded live. */
  runChild(child: CompiledWorkflow, start: ChildStart, signal: AbortSignal, path: readonly string[], parent: InvocationContext): Promise<ChildResult>;
}

/** What the executor of a nested workflow node needs from its invocation beyond the public `ctx`. */
export interface NestedInvocation {
  runChild(child: CompiledWorkflow, start: ChildStart): Promise<ChildResult>;
  raise(payload: unknown, options: RequestOptions | undefined, path: readonly string[], requestId?: string): string;
}

/**
 * The invocations of nested workflow nodes, by the `ctx` their handler gets: the scheduler files each one it starts
 * (it dispatches on the executor's kind), so a nested node's handler, however it is wrapped, reaches its run.
 */
export const nestedInvocations = new WeakMap<object, NestedInvocation>();

/** How a nested run begins: from an input, or from a snapshot it stopped at, with answers. */
export type ChildStart = { readonly input: unknown } | { readonly snapshot: ChildSnapshot; readonly responses: Readonly<Record<string, unknown>> };

/** A waiting nested run, as plain JSON kept in its node's state (and so in the parent's checkpoint). */
export interface ChildSnapshot {
  readonly runId: string;
  readonly superstep: number;
  readonly queue: readonly unknown[];
  readonly executorStates: Readonly<Record<string, unknown>>;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly fanIn: Readonly<Record<string, readonly (readonly unknown[])[]>>;
  readonly pendingRequests: readonly PendingRequest[];
  readonly outputs: readonly unknown[];
}

/** How a nested run stopped. */
export interface ChildResult {
  readonly status: 'completed' | 'waiting';
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly PendingRequest[];
  readonly snapshot: ChildSnapshot;
  /** Per-request response schemas of the pending requests, for this process. */
  readonly responseSchemas: Readonly<Record<string, Schema | undefined>>;
}

/**
 * The parts of a context most invocations never use (state recipes, shared writes, requests, its own signal,
 * tokens): one object made on first use, so a plain invocation (a send, an output) allocates none of them.
 */
interface RareParts {
  timeoutSignal: AbortSignal | undefined;
  own: AbortController | undefined;
  requests: PendingRequest[] | undefined;
  recipes: Recipe[] | undefined;
  statePatches: Patch[] | undefined;
  localShared: Map<string, unknown> | undefined;
  sharedOps: SharedOp[] | undefined;
  sharedView: SharedState | undefined;
  /** Shared writes as the record keeps them (only when recording). */
  recordedShared: RecordedSharedWrite[] | undefined;
  /** Tokens this invocation (and the nested runs it ran) charged. */
  tokens: number;
}

const rareParts = (timeoutSignal: AbortSignal | undefined): RareParts => ({
  timeoutSignal,
  own: undefined,
  requests: undefined,
  recipes: undefined,
  statePatches: undefined,
  localShared: undefined,
  sharedOps: undefined,
  sharedView: undefined,
  recordedShared: undefined,
  tokens: 0,
});

/** The `ctx` of one attempt of one handler invocation; its writes reach the slot only if the attempt succeeds. */
export class InvocationContext implements ExecutorContext<unknown, unknown>, InvocationEffects {
  // Read by the commit once the attempt succeeded: the context itself is filed as the invocation's effects.
  /** @internal One send as it is, more than one as an array: most handlers send once, and an array of one costs ~50 bytes. */
  sends: SentMessage | SentMessage[] | undefined;
  /** @internal */ outputs: unknown[] | undefined;
  private localState: unknown;
  private readonly baseStateVersion: number;
  private readonly baseShared: ReadonlyMap<string, unknown> | undefined;
  private closed = false;
  private rare: RareParts | undefined;

  constructor(
    private readonly host: ContextHost,
    private readonly slot: ExecutorSlot,
    readonly superstep: number,
    /** The delivery's index in its executor's group. */
    readonly index: number,
    /** The invocation's timeout signal, when it has one. */
    timeoutSignal: AbortSignal | undefined,
  ) {
    this.localState = slot.state;
    this.baseStateVersion = slot.stateVersion;
    this.baseShared = slot.shared;
    if (timeoutSignal !== undefined) this.rare = rareParts(timeoutSignal);
  }

  private get more(): RareParts {
    return (this.rare ??= rareParts(undefined));
  }

  /** @internal */
  get requests(): PendingRequest[] | undefined {
    return this.rare?.requests;
  }

  /** Tokens this invocation (and the nested runs it ran) charged. */
  get tokens(): number {
    return this.rare?.tokens ?? 0;
  }

  get runId(): string {
    return this.host.runId;
  }

  /**
   * Each invocation gets a signal of its own, made on first use: listeners a handler adds (and forgets to remove)
   * die with the invocation instead of piling up on one run-wide signal.
   */
  get signal(): AbortSignal {
    const more = this.more;
    if (more.timeoutSignal !== undefined) return more.timeoutSignal;
    return (more.own ??= this.host.ownSignal()).signal;
  }
  get executorId(): string {
    return this.slot.executorId;
  }
  get invocationId(): string {
    return `${this.host.invocationPrefix}${this.superstep}:${this.slot.executor.id}:${this.index}`;
  }
  get path(): readonly string[] {
    return [...this.host.path, this.slot.executor.id];
  }
  get state(): unknown {
    return this.localState;
  }

  private ensureOpen(what: string): void {
    if (this.closed) {
      throw new ContextClosedError(what, { runId: this.runId, executorId: this.executorId, superstep: this.superstep });
    }
  }

  private checkJson(next: unknown, previous: unknown, key: string): void {
    const bad = findNonJson(next, previous, key);
    if (bad !== undefined) throw new StateValidationError(this.executorId, bad.path, bad.found, { runId: this.runId, superstep: this.superstep });
  }

  /** Applies a recipe, checking the result is plain JSON and recording patches under `prefix` when asked. */
  private apply(
    base: unknown,
    recipe: Recipe,
    key: string,
    prefix: readonly (string | number)[],
    into: Patch[] | undefined,
  ): { value: unknown; patches: Patch[] | undefined } {
    // Patches name exactly what changed, so checking only their values costs what the change costs, not the state.
    const [value, patches] = produceStateWithPatches(base, recipe);
    for (const patch of patches) {
      if (patch.op !== 'remove') this.checkJson(patch.value, undefined, [key, ...patch.path].join('.'));
    }
    return { value, patches: this.host.recordPatches ? [...(into ?? []), ...prefixPatches(prefix, patches)] : undefined };
  }

  send(message: unknown, options?: SendOptions): void {
    this.ensureOpen('send');
    if (this.host.checkpointing) this.checkJson(message, undefined, 'message');
    const to = options?.to === undefined ? undefined : typeof options.to === 'string' ? options.to : options.to.id;
    if (to !== undefined) this.host.checkSend(this.executorId, to);
    else if (this.slot.node.sendsAsOutput) {
      this.addOutput(message);
      return;
    }
    const sent: SentMessage = { source: this.slot.executorId, payload: message, to };
    const sends = this.sends;
    // `[a, b]`, not `[]` then push: an empty array's first push reserves room for 17.
    if (sends === undefined) this.sends = sent;
    else if (Array.isArray(sends)) sends.push(sent);
    else this.sends = [sends, sent];
  }

  output(value: unknown): void {
    this.ensureOpen('output');
    // Only what the handler outputs itself: sends that become outputs are typed by `output`, not `yields`.
    if (this.slot.executor.yields !== undefined) checkYields(this.slot.executor, value, this.runId, this.superstep);
    this.addOutput(value);
  }

  private addOutput(value: unknown): void {
    if (this.host.checkpointing) this.checkJson(value, undefined, 'output');
    this.host.checkOutput(this.executorId, value);
    if (this.outputs === undefined) this.outputs = [value];
    else this.outputs.push(value);
  }

  emit(name: string, data?: unknown, options?: EmitOptions): void {
    this.ensureOpen('emit');
    // With a store the event is stored as JSON: data that JSON cannot hold fails the invocation, not the process.
    if (this.host.checkpointing) this.checkJson(data, undefined, `emit.${name}`);
    this.host.emitCustom(this.executorId, this.superstep, name, data, options?.transient);
  }

  get budget(): Budget {
    return this.host.budgetFor(this.executorId, (tokens) => this.countTokens(tokens));
  }

  async phase<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    this.ensureOpen('phase');
    this.host.emitPhase(this.executorId, this.superstep, name, undefined);
    const startedAt = performance.now();
    let ok = false;
    try {
      const result = await work();
      ok = true;
      return result;
    } finally {
      if (!this.closed) this.host.emitPhase(this.executorId, this.superstep, name, { ok, durationMs: performance.now() - startedAt });
    }
  }

  setState(recipe: (draft: Draft<unknown>) => unknown): void {
    this.ensureOpen('setState');
    const more = this.more;
    const { value, patches } = this.apply(this.localState, recipe, 'state', ['executorStates', this.executorId], more.statePatches);
    this.localState = value;
    more.statePatches = patches;
    (more.recipes ??= []).push(recipe);
  }

  request(payload: unknown, options?: RequestOptions): string {
    return this.raise(payload, options, this.path);
  }

  /** @internal `request` with the asker's path (and id) given, for requests a nested workflow surfaces. */
  raise(payload: unknown, options: RequestOptions | undefined, path: readonly string[], requestId?: string): string {
    this.ensureOpen('request');
    const executor = this.slot.executor;
    if (executor.onResponse === undefined) {
      throw new RequestError(
        'no_response_handler',
        `Executor "${executor.id}" called ctx.request but has no onResponse handler to receive the answer. Add onResponse to executor({ … }).`,
        {
          runId: this.runId,
          executorId: executor.id,
          superstep: this.superstep,
        },
      );
    }
    this.checkJson(payload, undefined, 'request.payload');
    const id = requestId ?? globalThis.crypto.randomUUID();
    const schema = options?.response;
    if (schema !== undefined) this.host.rememberResponseSchema(id, schema);
    (this.more.requests ??= []).push({ id, executorId: executor.id, path, payload, superstep: this.superstep });
    return id;
  }

  get shared(): SharedState {
    const more = this.more;
    return (more.sharedView ??= {
      get: <T>(key: string): T | undefined => this.readShared(key) as T | undefined,
      has: (key: string): boolean => (more.localShared ?? this.baseShared)?.has(key) === true || Object.hasOwn(this.host.committedShared, key),
      set: (key: string, value: unknown): void => {
        this.ensureOpen('shared.set');
        this.checkJson(value, undefined, `shared.${key}`);
        const frozen = freezeState(value);
        (more.localShared ??= new Map(this.baseShared)).set(key, frozen);
        (more.sharedOps ??= []).push({ key, set: true, value: frozen });
        if (this.host.recording) (more.recordedShared ??= []).push({ key, value: frozen });
      },
      update: <T>(key: string, recipe: (draft: Draft<T>) => void | T): void => {
        this.ensureOpen('shared.update');
        const base = this.readShared(key);
        // Patches name exactly what changed, so the plain-JSON check costs what the change costs.
        const [value, patches] = produceStateWithPatches(base, recipe as Recipe);
        for (const patch of patches) {
          if (patch.op !== 'remove') this.checkJson(patch.value, undefined, [`shared.${key}`, ...patch.path].join('.'));
        }
        if (this.host.recording) (more.recordedShared ??= []).push({ key, patches });
        (more.localShared ??= new Map(this.baseShared)).set(key, value);
        (more.sharedOps ??= []).push({ key, set: false, recipe: recipe as Recipe, made: { base, value, patches } });
      },
    });
  }

  private readShared(key: string): unknown {
    const staged = this.rare?.localShared ?? this.baseShared;
    return staged?.has(key) === true ? staged.get(key) : this.host.committedShared[key];
  }

  /** @internal Counts tokens charged by this invocation or a nested run inside it. */
  countTokens(tokens: number): void {
    this.more.tokens += tokens;
    this.host.tokensCharged(tokens);
  }

  /** @internal Runs a nested workflow as part of this invocation (see `fromWorkflow`). */
  runChild(child: CompiledWorkflow, start: ChildStart): Promise<ChildResult> {
    this.ensureOpen('runChild');
    return this.host.runChild(child, start, this.signal, this.path, this);
  }

  /** Ends the attempt: later ctx calls throw, and nothing more is recorded. */
  close(): void {
    this.closed = true;
    const own = this.rare?.own;
    if (own !== undefined) this.host.releaseSignal(own);
  }

  /**
   * Moves this attempt's writes into the slot, and returns them as an invocation record when recording. When another
   * invocation of the same executor committed in between (concurrency > 1), the recipes are replayed on top of its
   * writes instead of overwriting them.
   */
  commitTo(index: number): InvocationRecord | undefined {
    this.close();
    const slot = this.slot;
    const record = this.host.recording;
    const rare = this.rare;
    let statePatches: Patch[] | undefined;
    if (rare?.recipes !== undefined) {
      const rootPrefix = ['executorStates', this.executorId];
      if (slot.stateVersion === this.baseStateVersion) {
        slot.state = this.localState;
        statePatches = rare.statePatches;
      } else {
        for (const recipe of rare.recipes) {
          const next = this.apply(slot.state, recipe, 'state', rootPrefix, statePatches);
          slot.state = next.value;
          statePatches = next.patches;
        }
      }
      // Patches are recorded rooted at `executorStates.<id>`; the slot and the record want them relative.
      const relative = statePatches === undefined ? [] : statePatches.map((p) => ({ ...p, path: p.path.slice(2) }));
      slot.applyStatePatches(relative, this.host.recordPatches);
      statePatches = relative;
    }
    if (rare?.sharedOps !== undefined) slot.stageShared(rare.sharedOps, this.host.committedShared);
    if (this.sends !== undefined || this.outputs !== undefined || rare?.requests !== undefined) {
      slot.fileEffects(index, this);
    }
    if (!record) return undefined;
    return {
      executorId: this.executorId,
      index,
      ...(this.sends === undefined ? {} : { sends: Array.isArray(this.sends) ? this.sends : [this.sends] }),
      ...(this.outputs === undefined ? {} : { outputs: this.outputs }),
      ...(rare?.requests === undefined ? {} : { requests: rare.requests }),
      ...(statePatches === undefined ? {} : { state: statePatches }),
      ...(rare?.recordedShared === undefined ? {} : { shared: rare.recordedShared }),
      ...(rare === undefined || rare.tokens === 0 ? {} : { tokens: rare.tokens }),
    };
  }
}
