import type { Executor, ExecutorContext, Schema } from '../model/types.js';
import { checkSchema, createExecutor, type ExecutorPolicyOptions, type Yielded } from './executor.js';

/** Options of {@link fromFunction}: optional schemas plus the usual policies. */
export interface FromFunctionOptions<TYieldsSchema extends Schema | undefined = Schema | undefined> extends ExecutorPolicyOptions {
  /** Validates incoming messages at delivery. */
  readonly input?: Schema;
  /** Declares what the function returns, for `describe()` and the build-time schema check. */
  readonly output?: Schema;
  /** What the function passes to `ctx.output`, as `executor()`'s `yields`: validated at each call and typed. */
  readonly yields?: TYieldsSchema;
}

/**
 * Adapts a plain function into an executor: its return value is sent along the outgoing edges;
 * `undefined` sends nothing.
 * @example
 * const double = fromFunction('double', (n: number) => n * 2);
 */
export function fromFunction<TInput, TResult, TYieldsSchema extends Schema | undefined = undefined>(
  id: string,
  fn: (message: TInput, context: ExecutorContext<Exclude<Awaited<TResult>, undefined | void>, undefined, Yielded<TYieldsSchema>>) => TResult,
  options: FromFunctionOptions<TYieldsSchema> = {},
): Executor<TInput, Exclude<Awaited<TResult>, undefined | void>, undefined, TInput, TYieldsSchema extends Schema<infer T> ? T : any> {
  type TOutput = Exclude<Awaited<TResult>, undefined | void>;
  const handle = (message: TInput, context: ExecutorContext<TOutput, undefined, Yielded<TYieldsSchema>>): void | Promise<void> => {
    const result = fn(message, context);
    if (result instanceof Promise) {
      return result.then((value: Awaited<TResult>) => {
        if (value !== undefined) context.send(value as TOutput);
      });
    }
    if (result !== undefined) context.send(result as unknown as TOutput);
  };
  checkSchema(id, 'yields', options.yields);
  return createExecutor<TInput, TOutput, undefined, TInput, any>({
    id,
    kind: 'function',
    input: options.input,
    output: options.output,
    yields: options.yields,
    handle,
    initialState: undefined,
    concurrency: options.concurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    limiter: options.limiter,
  });
}
