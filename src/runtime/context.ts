import { freeze, produce, type Draft } from 'immer';
import type { AnyExecutor, ExecutorContext, SendOptions, SharedState } from '../model/types.js';
import type { SentMessage } from '../routing/router.js';

type Recipe = (draft: Draft<unknown>) => unknown;
type SharedOp = { readonly key: string; readonly set: true; readonly value: unknown } | { readonly key: string; readonly set: false; readonly recipe: Recipe };

/** What the engine offers a context; implemented by the run. */
export interface ContextHost {
  readonly runId: string;
  readonly path: readonly string[];
  readonly committedShared: Readonly<Record<string, unknown>>;
  checkSend(sourceId: string, to: string): void;
  checkOutput(executorId: string, value: unknown): void;
  emitCustom(executorId: string, superstep: number, name: string, data: unknown): void;
  /** True when this executor's sends become outputs because nothing is connected after it. */
  sendsAsOutput(executorId: string): boolean;
  /** Runs a nested workflow inside this invocation: same cancellation and concurrency cap, events forwarded live. */
  runChild(child: unknown, input: unknown, signal: AbortSignal, path: readonly string[]): Promise<{ readonly outputs: readonly unknown[] }>;
}

/** One executor's staged writes in one superstep; replaced wholesale, never mutated in place, so snapshots stay valid. */
export class ExecutorSlot {
  state: unknown;
  stateVersion = 0;
  stateChanged = false;
  shared: ReadonlyMap<string, unknown> | undefined;
  sharedVersion = 0;
  /** Sends and outputs of each successful invocation, by delivery index: commit order does not depend on timing. */
  readonly records: ({ readonly sends: SentMessage[] | undefined; readonly outputs: unknown[] | undefined } | undefined)[] = [];

  constructor(
    readonly executor: AnyExecutor,
    committedState: unknown,
  ) {
    this.state = committedState;
  }
}

const applyRecipe = (base: unknown, recipe: Recipe): unknown => produce(base, recipe);

/** The `ctx` of one attempt of one handler invocation; its writes reach the slot only if the attempt succeeds. */
export class InvocationContext implements ExecutorContext<unknown, unknown> {
  private sends: SentMessage[] | undefined;
  private outputs: unknown[] | undefined;
  private localState: unknown;
  private recipes: Recipe[] | undefined;
  private readonly baseStateVersion: number;
  private readonly baseShared: ReadonlyMap<string, unknown> | undefined;
  private readonly baseSharedVersion: number;
  private localShared: Map<string, unknown> | undefined;
  private sharedOps: SharedOp[] | undefined;
  private sharedView: SharedState | undefined;
  private closed = false;

  constructor(
    private readonly host: ContextHost,
    private readonly slot: ExecutorSlot,
    readonly superstep: number,
    readonly signal: AbortSignal,
  ) {
    this.localState = slot.state;
    this.baseStateVersion = slot.stateVersion;
    this.baseShared = slot.shared;
    this.baseSharedVersion = slot.sharedVersion;
  }

  get runId(): string {
    return this.host.runId;
  }
  get executorId(): string {
    return this.slot.executor.id;
  }
  get path(): readonly string[] {
    return [...this.host.path, this.slot.executor.id];
  }
  get state(): unknown {
    return this.localState;
  }

  private ensureOpen(what: string): void {
    if (this.closed) {
      throw new Error(`Executor "${this.executorId}" called ctx.${what} after its invocation ended (superstep ${this.superstep}). Await all work inside the handler.`);
    }
  }

  send(message: unknown, options?: SendOptions): void {
    this.ensureOpen('send');
    const to = options?.to === undefined ? undefined : typeof options.to === 'string' ? options.to : options.to.id;
    if (to !== undefined) this.host.checkSend(this.executorId, to);
    else if (this.host.sendsAsOutput(this.executorId)) {
      this.output(message);
      return;
    }
    (this.sends ??= []).push({ source: this.executorId, payload: message, to });
  }

  output(value: unknown): void {
    this.ensureOpen('output');
    this.host.checkOutput(this.executorId, value);
    (this.outputs ??= []).push(value);
  }

  emit(name: string, data?: unknown): void {
    this.ensureOpen('emit');
    this.host.emitCustom(this.executorId, this.superstep, name, data);
  }

  setState(recipe: (draft: Draft<unknown>) => unknown): void {
    this.ensureOpen('setState');
    this.localState = applyRecipe(this.localState, recipe);
    (this.recipes ??= []).push(recipe);
  }

  get shared(): SharedState {
    return (this.sharedView ??= {
      get: <T>(key: string): T | undefined => this.readShared(key) as T | undefined,
      has: (key: string): boolean => (this.localShared ?? this.baseShared)?.has(key) === true || Object.hasOwn(this.host.committedShared, key),
      set: (key: string, value: unknown): void => {
        this.ensureOpen('shared.set');
        const frozen = freeze(value, true);
        (this.localShared ??= new Map(this.baseShared)).set(key, frozen);
        (this.sharedOps ??= []).push({ key, set: true, value: frozen });
      },
      update: <T>(key: string, recipe: (draft: Draft<T>) => void | T): void => {
        this.ensureOpen('shared.update');
        const next = applyRecipe(this.readShared(key), recipe as Recipe);
        (this.localShared ??= new Map(this.baseShared)).set(key, next);
        (this.sharedOps ??= []).push({ key, set: false, recipe: recipe as Recipe });
      },
    });
  }

  private readShared(key: string): unknown {
    const staged = this.localShared ?? this.baseShared;
    return staged?.has(key) === true ? staged.get(key) : this.host.committedShared[key];
  }

  /** @internal Runs a nested workflow as part of this invocation (see `fromWorkflow`). */
  runChild(child: unknown, input: unknown): Promise<{ readonly outputs: readonly unknown[] }> {
    this.ensureOpen('runChild');
    return this.host.runChild(child, input, this.signal, this.path);
  }

  /** Ends the attempt: later ctx calls throw, and nothing more is recorded. */
  close(): void {
    this.closed = true;
  }

  /**
   * Moves this attempt's writes into the slot. When another invocation of the same executor committed in
   * between (concurrency > 1), the recipes are replayed on top of its writes instead of overwriting them.
   */
  commitTo(index: number): void {
    this.close();
    const slot = this.slot;
    if (this.recipes !== undefined) {
      slot.state = slot.stateVersion === this.baseStateVersion ? this.localState : this.recipes.reduce(applyRecipe, slot.state);
      slot.stateVersion++;
      slot.stateChanged = true;
    }
    if (this.sharedOps !== undefined) {
      if (slot.sharedVersion === this.baseSharedVersion) slot.shared = this.localShared;
      else {
        const merged = new Map(slot.shared);
        const read = (key: string): unknown => (merged.has(key) ? merged.get(key) : this.host.committedShared[key]);
        for (const op of this.sharedOps) merged.set(op.key, op.set ? op.value : applyRecipe(read(op.key), op.recipe));
        slot.shared = merged;
      }
      slot.sharedVersion++;
    }
    if (this.sends !== undefined || this.outputs !== undefined) slot.records[index] = { sends: this.sends, outputs: this.outputs };
  }
}
