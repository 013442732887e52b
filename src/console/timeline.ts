// A run's events folded into supersteps and invocations, for the timeline. Pure: tested without a browser.
import type { RunEvent, SerializedError } from './types.js';

/** One attempt of an invocation: from `executor.invoked` to completed, retried or failed. */
export interface Attempt {
  readonly startedAt: number;
  endedAt: number | undefined;
  outcome: 'running' | 'completed' | 'retried' | 'failed';
  error?: SerializedError;
}

/** One invocation of an executor (its attempts together), with the time it waited before its first attempt. */
export interface Invocation {
  /** Executor ids from the outermost workflow down: `review/score` in a nested run. */
  readonly path: string;
  readonly executorId: string;
  /** When it could have started: its superstep began (or its nesting executor did). */
  readonly queuedAt: number;
  readonly attempts: Attempt[];
  status: 'running' | 'retrying' | 'completed' | 'failed';
  error?: SerializedError;
}

export interface Step {
  readonly superstep: number;
  readonly startedAt: number;
  endedAt: number | undefined;
  readonly invocations: Invocation[];
}

/** Folds events, in `seq` order, into supersteps; call `add` as more arrive. */
export class Timeline {
  readonly steps: Step[] = [];
  /** Where the run failed, if it did: the failing invocation's path and error. */
  failure: { readonly path: string; readonly superstep: number; readonly error: SerializedError } | undefined;
  private current: Step | undefined;
  private readonly open = new Map<string, Invocation[]>();

  add(event: RunEvent): void {
    const path = event.path.join('/');
    if (event.type === 'superstep.started' && event.path.length === 0) {
      this.current = { superstep: event.superstep, startedAt: event.at, endedAt: undefined, invocations: [] };
      this.steps.push(this.current);
      this.open.clear();
      return;
    }
    if (event.type === 'superstep.completed' && event.path.length === 0) {
      if (this.current !== undefined) this.current.endedAt = event.at;
      return;
    }
    // A superstep that failed, was cancelled or ended in waiting has no superstep.completed: the run's end closes it.
    if (
      event.path.length === 0 &&
      (event.type === 'run.failed' || event.type === 'run.cancelled' || event.type === 'run.waiting' || event.type === 'run.completed')
    ) {
      if (this.current !== undefined && this.current.endedAt === undefined) this.current.endedAt = event.at;
      return;
    }
    const step = this.current;
    if (step === undefined) return;
    const executorId = typeof event['executorId'] === 'string' ? event['executorId'] : '';
    switch (event.type) {
      case 'executor.invoked': {
        const list = this.open.get(path) ?? [];
        const again = list.find((invocation) => invocation.status === 'retrying');
        const attempt: Attempt = { startedAt: event.at, endedAt: undefined, outcome: 'running' };
        if (again !== undefined) {
          again.attempts.push(attempt);
          again.status = 'running';
          return;
        }
        const invocation: Invocation = { path, executorId, queuedAt: this.queuedSince(step, event.path), attempts: [attempt], status: 'running' };
        list.push(invocation);
        this.open.set(path, list);
        step.invocations.push(invocation);
        return;
      }
      case 'executor.completed':
      case 'executor.retried':
      case 'executor.failed': {
        const list = this.open.get(path) ?? [];
        const invocation = list.find((item) => item.status === 'running') ?? list.find((item) => item.status === 'retrying');
        if (invocation === undefined) return;
        const attempt = invocation.attempts[invocation.attempts.length - 1];
        const error = event['error'] as SerializedError | undefined;
        if (attempt !== undefined && attempt.outcome === 'running') {
          attempt.endedAt = event.at;
          attempt.outcome = event.type === 'executor.completed' ? 'completed' : event.type === 'executor.retried' ? 'retried' : 'failed';
          if (error !== undefined) attempt.error = error;
        }
        if (event.type === 'executor.completed') {
          invocation.status = 'completed';
          list.splice(list.indexOf(invocation), 1);
        } else if (event.type === 'executor.retried') invocation.status = 'retrying';
        else {
          invocation.status = 'failed';
          if (error !== undefined) invocation.error = error;
          list.splice(list.indexOf(invocation), 1);
          // The innermost failure is where it happened; the nesting executors fail after it with the same cause.
          if (error !== undefined && (this.failure === undefined || this.failure.superstep !== step.superstep))
            this.failure = { path, superstep: step.superstep, error };
        }
        return;
      }
      default:
    }
  }

  /** A nested executor waits from when its nesting executor started; a top-level one from its superstep's start. */
  private queuedSince(step: Step, path: readonly string[]): number {
    for (let depth = path.length - 1; depth > 0; depth--) {
      const parent = this.open.get(path.slice(0, depth).join('/'))?.find((invocation) => invocation.status === 'running');
      const started = parent?.attempts[parent.attempts.length - 1]?.startedAt;
      if (started !== undefined) return started;
    }
    return step.startedAt;
  }
}
