import { RunCancelledError } from '../errors.js';

/**
 * The cancellation of one run: at most one listener on the caller's signal, and child controllers (each
 * invocation's `ctx.signal`, timeouts, retry waits) aborted directly instead of through listeners, so a
 * 10,000-way fan-out adds no listener at all. The run's own signal is made only when asked for.
 */
export class AbortScope {
  /** Mirrors `signal.aborted` as a plain field, read on every superstep and invocation. */
  isAborted = false;
  /** Why the run was aborted (undefined while it is not). */
  reason: unknown;
  /** Made on first use: handlers see children of the scope, and a run that ends unaborted dispatches no event. */
  private controller: AbortController | undefined;
  private readonly children = new Set<AbortController>();
  private detach: (() => void) | undefined;
  private rejectAborted: ((reason: unknown) => void) | undefined;
  private abortedPromise: Promise<never> | undefined;

  constructor(
    private readonly runId: string,
    external: AbortSignal | undefined,
  ) {
    if (external === undefined) return;
    if (external.aborted) {
      this.abort(external.reason);
      return;
    }
    const onAbort = (): void => this.abort(external.reason);
    external.addEventListener('abort', onAbort, { once: true });
    this.detach = () => external.removeEventListener('abort', onAbort);
  }

  /** A signal aborted with the run. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Rejects with a RunCancelledError when the run is aborted; one promise per run, created on first use. */
  get aborted(): Promise<never> {
    if (this.abortedPromise === undefined) {
      this.abortedPromise = new Promise<never>((_, reject) => (this.rejectAborted = reject));
      this.abortedPromise.catch(() => undefined);
      if (this.isAborted) this.rejectAborted?.(this.cancelledError());
    }
    return this.abortedPromise;
  }

  cancelledError(): RunCancelledError {
    return new RunCancelledError({ runId: this.runId, cause: this.reason });
  }

  abort(reason?: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.reason = reason ?? new RunCancelledError({ runId: this.runId });
    this.controller?.abort(this.reason);
    for (const child of this.children) child.abort(this.reason);
    this.children.clear();
    this.rejectAborted?.(this.cancelledError());
  }

  /** A controller aborted with the run, for one invocation with a timeout or one retry wait. Release it when done. */
  child(): AbortController {
    const child = new AbortController();
    if (this.isAborted) child.abort(this.reason);
    else this.children.add(child);
    return child;
  }

  release(child: AbortController): void {
    this.children.delete(child);
  }

  /** Detaches from the caller's signal; call once the run has ended. */
  dispose(): void {
    this.detach?.();
    this.detach = undefined;
    this.children.clear();
  }
}
