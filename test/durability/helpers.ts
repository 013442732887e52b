import { loadCheckpoint, StateValidationError, type Checkpoint, type CheckpointStore, type StoredCheckpoint } from 'weft';

/** Makes a fresh, empty store; the durability cases run on any store through it. */
export type StoreFactory = () => CheckpointStore;

export { deferred, tick, settled, record, ofType } from '../support/async.js';
export type { Deferred, Recorded } from '../support/async.js';
import { deferred, tick, type Deferred } from '../support/async.js';

/** Lets the event loop turn `count` times: enough for any microtask chain the engine could still run. */
export async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await tick();
}

/**
 * Lets the event loop turn until `condition` holds; fails after `limit` turns and at least 10 s (a store on a real
 * database answers after many turns), instead of hanging.
 */
export async function until(condition: () => boolean, limit = 200): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < limit || (Date.now() - started < 10_000 && i < 10_000_000); i++) {
    if (condition()) return;
    await tick();
  }
  if (!condition()) throw new Error(`condition still false after ${limit} event-loop turns and 10 s`);
}

/** Runs `fn` and returns what it threw or rejected with (fails when it does not). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** The StateValidationError an error is, or wraps as its cause (a handler's failure is reported as an ExecutorError). */
export function stateErrorOf(error: unknown): StateValidationError | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof StateValidationError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `error` is `target` or has it somewhere in its cause chain. */
export function causedBy(error: unknown, target: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current === target) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** One call of `save` on an {@link InstrumentedStore}. */
export interface SaveCall {
  readonly record: StoredCheckpoint;
  /** Opened by `release(index)` (or at once when the store does not hold saves). */
  readonly gate: Deferred;
  settled: boolean;
}

/**
 * Wraps a store: records every save, counts saves in flight, and can hold each save until the test
 * releases it (`hold: true`) or make chosen saves fail (`fail`).
 */
export class InstrumentedStore implements CheckpointStore {
  readonly saves: SaveCall[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly inner: CheckpointStore,
    private readonly options: { readonly hold?: boolean; readonly fail?: (index: number, record: StoredCheckpoint) => unknown } = {},
  ) {}

  save(record: StoredCheckpoint): Promise<void> {
    const index = this.saves.length;
    const call: SaveCall = { record, gate: deferred(), settled: false };
    this.saves.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.options.hold !== true) call.gate.resolve();
    const failure = this.options.fail?.(index, record);
    return call.gate.promise
      .then(() => {
        if (failure !== undefined) throw failure;
        return this.inner.save(record);
      })
      .finally(() => {
        this.inFlight--;
        call.settled = true;
      });
  }

  /** Lets a held save reach the inner store. */
  release(index: number): void {
    (this.saves[index] as SaveCall).gate.resolve();
  }

  /** Makes a held save fail without reaching the inner store. */
  reject(index: number, error: unknown): void {
    (this.saves[index] as SaveCall).gate.reject(error);
  }

  /** Saves called and not yet settled. */
  get unsettled(): SaveCall[] {
    return this.saves.filter((call) => !call.settled);
  }

  get(id: string): Promise<StoredCheckpoint | undefined> {
    return this.inner.get(id);
  }
  list(runId: string): Promise<readonly StoredCheckpoint[]> {
    return this.inner.list(runId);
  }
  latest(runId: string): Promise<StoredCheckpoint | undefined> {
    return this.inner.latest(runId);
  }
  deleteRun(runId: string): Promise<void> {
    return this.inner.deleteRun(runId);
  }
}

/** Every checkpoint of a run, loaded (full state rebuilt), oldest first. */
export async function loadAll(store: CheckpointStore, runId: string): Promise<Checkpoint[]> {
  const stored = await store.list(runId);
  return Promise.all(stored.map((checkpoint) => loadCheckpoint(store, checkpoint.id)));
}

/** The size of a string as UTF-8, computed independently of weft. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** True when `value`, however deep, holds only plain objects, arrays and JSON primitives. */
export function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every(isPlainJson);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as Record<string, unknown>).every(isPlainJson);
}
