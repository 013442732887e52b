import { fromFunction, type FromFunctionOptions } from '../executors/from-function.js';
import type { Executor } from '../model/types.js';

/**
 * A typed, pure transform between two executors whose message types do not fit.
 * @example
 * builder.addAdapter(classify, report, (label: Label) => ({ title: label.name }));
 */
export function adapter<TInput, TOutput>(
  id: string,
  transform: (message: TInput) => TOutput,
  options: Pick<FromFunctionOptions, 'input' | 'output'> = {},
): Executor<TInput, Exclude<Awaited<TOutput>, undefined | void>, undefined> {
  const base = fromFunction(id, (message: TInput) => transform(message), options);
  return Object.freeze({ ...base, kind: 'adapter' });
}
