import type { Executor, ExecutorContext, Schema } from '../model/types.js';
import { createExecutor, type ExecutorPolicyOptions } from './executor.js';

/** Options of {@link fromFunction}: optional schemas plus the usual policies. */
export interface FromFunctionOptions extends ExecutorPolicyOptions {
  /** Validates incoming messages at delivery. */
  readonly input?: Schema;
  /** Declares what the function returns, for `describe()` and the build-time schema check. */
  readonly output?: Schema;
}

/**
 * Adapts a plain function into an executor: its return value is sent along the outgoing edges;
 * `undefined` sends nothing.
 * @example
 * const double = fromFunction('double', (n: number) => n * 2);
 */
export function fromFunction<TInput, TResult>(
  id: string,
  fn: (message: TInput, context: ExecutorContext<Exclude<Awaited<TResult>, undefined | void>, undefined>) => TResult,
  options: FromFunctionOptions = {},
): Executor<TInput, Exclude<Awaited<TResult>, undefined | void>, undefined> {
  type TOutput = Exclude<Awaited<TResult>, undefined | void>;
  const handle = (message: TInput, context: ExecutorContext<TOutput, undefined>): void | Promise<void> => {
    const result = fn(message, context);
    if (result instanceof Promise) {
      return result.then((value: Awaited<TResult>) => {
        if (value !== undefined) context.send(value as TOutput);
      });
    }
    if (result !== undefined) context.send(result as unknown as TOutput);
  };
  return createExecutor({
    id,
    kind: 'function',
    input: options.input,
    output: options.output,
    handle,
    initialState: undefined,
    concurrency: options.concurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    limiter: options.limiter,
  });
}
