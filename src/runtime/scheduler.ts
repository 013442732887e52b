import { ExecutorError, isWeftError, WeftError } from '../errors.js';
import type { WorkflowEvent } from '../events/events.js';
import type { AnyExecutor, ExecutorDefaults, LimiterLike } from '../model/types.js';
import type { Delivery } from '../routing/router.js';
import type { AbortScope } from './abort-scope.js';
import { InvocationContext, nestedInvocations, type ContextHost, type ExecutorSlot } from './context.js';
import type { InvocationRecord } from './invocation-records.js';
import { checkRecord, type Invocation, type Placement } from './placement.js';
import type { Semaphore } from './semaphore.js';
import { backoffDelay, sleep, withTimeout } from './timers.js';
import { describeThrown } from '../internal/thrown.js';

type EventFields<T extends WorkflowEvent['type']> = Omit<Extract<WorkflowEvent, { type: T }>, 'type' | 'runId' | 'seq' | 'superstep' | 'path' | 'at'>;

/** What the scheduler needs from the run it schedules for. */
export interface SchedulerHost extends ContextHost {
  readonly scope: AbortScope;
  readonly semaphore: Semaphore | undefined;
  readonly limiter: LimiterLike | undefined;
  readonly defaults: ExecutorDefaults;
  /** Someone listens to events: only then are they built. */
  readonly observed: boolean;
  /** Records of an earlier process are loaded for this superstep. */
  readonly replaying: boolean;
  emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path?: readonly string[]): void;
  executorPath(id: string): readonly string[];
  /** Commits a delivery from its record instead of running it; false when it has none. */
  replayed(slot: ExecutorSlot, index: number, k: number): boolean;
  /** A finished invocation's record, to save before the superstep commits. */
  recorded(invocationId: string, record: InvocationRecord): void;
  /** Where handlers run; undefined: here, through the fast path. */
  readonly placement: Placement | undefined;
  /** The invocation to hand a placement for this delivery. */
  invocationFor(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number, timeoutMs: number | undefined): Invocation;
  /** Commits a record (from a placement, or from an earlier process) into its slot. */
  commitRecord(slot: ExecutorSlot, record: InvocationRecord): void;
}

const now = (): number => performance.now();
const trimPeriod = (text: string): string => text.replace(/[.\s]+$/, '');

/** Marks promises we stop waiting for as handled, so their late rejections are not reported as unhandled. */
export function settleQuietly(promises: readonly Promise<unknown>[] | undefined): void {
  if (promises !== undefined) for (const promise of promises) promise.catch(() => undefined);
}

/**
 * Runs one executor's deliveries of a superstep: in order or `concurrency` at once, each holding the run's slot and
 * limiters, with retry, backoff and timeout. Stays synchronous (returns undefined) while every handler is.
 */
export class Scheduler {
  constructor(private readonly host: SchedulerHost) {}

  runSequential(slot: ExecutorSlot, from: number, k: number): Promise<void> | undefined {
    const replaying = this.host.replaying;
    const size = slot.size;
    for (let index = from; index < size; index++) {
      if (replaying && this.host.replayed(slot, index, k)) continue;
      const running = this.invoke(slot, slot.delivery(index), index, k, 1);
      if (running !== undefined) return running.then(() => this.runSequential(slot, index + 1, k));
    }
    return undefined;
  }

  runConcurrent(slot: ExecutorSlot, k: number): Promise<void> | undefined {
    let next = 0;
    const replaying = this.host.replaying;
    const size = slot.size;
    const worker = (): Promise<void> | undefined => {
      while (next < size) {
        const index = next++;
        if (replaying && this.host.replayed(slot, index, k)) continue;
        const running = this.invoke(slot, slot.delivery(index), index, k, 1);
        if (running !== undefined) return running.then(worker);
      }
      return undefined;
    };
    let pending: Promise<void>[] | undefined;
    for (let w = 0; w < slot.executor.concurrency && next < size; w++) {
      let running: Promise<void> | undefined;
      try {
        running = worker();
      } catch (error) {
        settleQuietly(pending);
        throw error;
      }
      if (running !== undefined) (pending ??= []).push(running);
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** One invocation, with its retries; undefined when it completed synchronously. */
  invoke(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> | undefined {
    // A nested workflow holds no slot itself: its handlers take the slots, so a cap of 1 cannot deadlock.
    if (slot.executor.kind === 'workflow') return this.attempt(slot, delivery, index, k, attempt);
    const waiting = this.acquireFrom(0, slot.executor);
    if (waiting === undefined) return this.attempt(slot, delivery, index, k, attempt);
    return waiting.then(() => {
      if (!this.host.scope.isAborted) return this.attempt(slot, delivery, index, k, attempt);
      this.releaseAttempt(slot.executor, undefined);
      throw this.host.scope.cancelledError();
    });
  }

  /** Takes, in order, the run's slot, the run's limiter and the executor's limiter; synchronous while all are free. */
  acquireFrom(step: number, executor: AnyExecutor): Promise<void> | undefined {
    for (let i = step; i < 3; i++) {
      const gate = i === 0 ? this.host.semaphore : i === 1 ? this.host.limiter : executor.limiter;
      const waiting = gate?.acquire();
      if (waiting !== undefined) return waiting.then(() => this.acquireFrom(i + 1, executor));
    }
    return undefined;
  }

  attempt(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> | undefined {
    const executor = slot.executor;
    const placement = this.host.placement;
    // Nested workflows run here; their own handlers reach the placement through the nested run.
    if (placement !== undefined && executor.kind !== 'workflow') return this.attemptPlaced(placement, slot, delivery, index, k, attempt);
    const timeoutMs = executor.timeoutMs ?? this.host.defaults.timeoutMs;
    const child = timeoutMs === undefined ? undefined : this.host.scope.child();
    const context = new InvocationContext(this.host, slot, k, index, child?.signal);
    if (executor.kind === 'workflow') nestedInvocations.set(context, context);
    const startedAt = this.host.observed ? this.invoked(executor, delivery, index, attempt) : 0;
    let result: void | Promise<void>;
    try {
      const request = delivery.request;
      result =
        request === undefined
          ? executor.handle(delivery.payload, context)
          : (executor.onResponse as NonNullable<AnyExecutor['onResponse']>)(delivery.payload, request, context);
    } catch (error) {
      return this.attemptFailed(slot, delivery, index, k, attempt, child, context, error);
    }
    if (result instanceof Promise) {
      // Closures only on the asynchronous path; a synchronous handler costs none.
      return (child === undefined ? result : withTimeout(result, timeoutMs as number, child)).then(
        () => this.attemptSucceeded(slot, index, attempt, child, context, startedAt),
        (error: unknown) => this.attemptFailed(slot, delivery, index, k, attempt, child, context, error),
      );
    }
    this.attemptSucceeded(slot, index, attempt, child, context, startedAt);
    return undefined;
  }

  /** Emits `executor.invoked` and returns when the attempt started (only called when someone listens). */
  private invoked(executor: AnyExecutor, delivery: Delivery, index: number, attempt: number): number {
    this.host.emit(
      'executor.invoked',
      { executorId: executor.id, attempt, invocation: index, from: delivery.source },
      this.host.executorPath(executor.id),
    );
    return now();
  }

  /** One attempt handed to the placement: the same slot, limiters, timeout and retry as in process; the record is committed. */
  private attemptPlaced(placement: Placement, slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> {
    const executor = slot.executor;
    const timeoutMs = executor.timeoutMs ?? this.host.defaults.timeoutMs;
    const child = this.host.scope.child();
    const invocation = this.host.invocationFor(slot, delivery, index, k, attempt, timeoutMs);
    const startedAt = this.host.observed ? this.invoked(executor, delivery, index, attempt) : 0;
    let running: Promise<InvocationRecord>;
    try {
      running = Promise.resolve(placement.invoke(invocation, child.signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    return (timeoutMs === undefined ? running : withTimeout(running, timeoutMs, child)).then(
      (record) => {
        this.releaseAttempt(executor, child);
        if (this.host.scope.isAborted) throw this.host.scope.cancelledError();
        checkRecord(record, invocation);
        this.host.commitRecord(slot, record);
        if (this.host.recording) this.host.recorded(invocation.invocationId, record);
        if (this.host.observed)
          this.host.emit(
            'executor.completed',
            { executorId: executor.id, attempt, durationMs: now() - startedAt, invocation: index },
            this.host.executorPath(executor.id),
          );
      },
      (error: unknown) => this.attemptFailed(slot, delivery, index, k, attempt, child, undefined, error),
    );
  }

  releaseAttempt(executor: AnyExecutor, child: AbortController | undefined): void {
    if (executor.kind !== 'workflow') {
      this.host.semaphore?.release();
      this.host.limiter?.release();
      executor.limiter?.release();
    }
    if (child !== undefined) this.host.scope.release(child);
  }

  attemptSucceeded(
    slot: ExecutorSlot,
    index: number,
    attempt: number,
    child: AbortController | undefined,
    context: InvocationContext,
    startedAt: number,
  ): void {
    const executor = slot.executor;
    this.releaseAttempt(executor, child);
    if (this.host.scope.isAborted) {
      context.close();
      throw this.host.scope.cancelledError();
    }
    const record = context.commitTo(index);
    if (record !== undefined) this.host.recorded(context.invocationId, record);
    if (this.host.observed)
      this.host.emit(
        'executor.completed',
        { executorId: executor.id, attempt, durationMs: now() - startedAt, invocation: index },
        this.host.executorPath(executor.id),
      );
  }

  attemptFailed(
    slot: ExecutorSlot,
    delivery: Delivery,
    index: number,
    k: number,
    attempt: number,
    child: AbortController | undefined,
    context: InvocationContext | undefined,
    error: unknown,
  ): Promise<void> {
    const executor = slot.executor;
    this.releaseAttempt(executor, child);
    context?.close();
    if (this.host.scope.isAborted) throw this.host.scope.cancelledError();
    // weft's own errors (a bad `to`, state that is not JSON, an invalid output) are not transient: no retry.
    const retry = executor.retry ?? this.host.defaults.retry;
    const attempts = isWeftError(error) && error.code !== 'executor_failed' && error.code !== 'timeout' ? attempt : (retry?.attempts ?? 1);
    if (attempt < attempts) {
      const delayMs = backoffDelay(retry?.backoff, attempt);
      this.host.emit(
        'executor.retried',
        { executorId: executor.id, attempt, delayMs, error, invocation: index },
        this.host.executorPath(executor.id),
      );
      // The wait listens on a child of the scope, never on the run's signal: thousands of retries add no listener there.
      const waiter = this.host.scope.child();
      return sleep(delayMs, waiter.signal).then(
        () => {
          this.host.scope.release(waiter);
          return this.invoke(slot, delivery, index, k, attempt + 1);
        },
        (reason: unknown) => {
          this.host.scope.release(waiter);
          throw reason;
        },
      );
    }
    throw this.executorFailed(executor.id, error, attempt, k, this.host.executorPath(executor.id), index);
  }

  executorFailed(executorId: string, cause: unknown, attempts: number, k: number, path: readonly string[], invocation?: number): WeftError {
    const reason = trimPeriod(describeThrown(cause));
    const hint =
      isWeftError(cause) && cause.code !== 'executor_failed' && cause.code !== 'timeout'
        ? ''
        : ' Fix the handler, or give it retry: { attempts, backoff }.';
    const error = new ExecutorError(
      `Executor "${executorId}" failed in superstep ${k}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${reason}.${hint}`,
      attempts,
      {
        runId: this.host.runId,
        executorId,
        superstep: k,
        cause,
      },
    );
    this.host.emit('executor.failed', { executorId, attempt: attempts, error, ...(invocation === undefined ? {} : { invocation }) }, path);
    return error;
  }
}
