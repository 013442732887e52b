import { z } from 'zod';
import { executor, GraphValidationError, type Executor, type GraphIssue, type Schema, type WorkflowBuilder } from 'weft';

/** The GraphValidationError that `build()` throws; fails the test when it builds or throws anything else. */
export function buildError(builder: WorkflowBuilder<any, any>): GraphValidationError {
  try {
    builder.build();
  } catch (error) {
    if (error instanceof GraphValidationError) return error;
    throw error;
  }
  throw new Error('expected build() to throw a GraphValidationError, but it built');
}

/** Issues as `[code, executorIds]` pairs, for exact comparisons. */
export const summary = (issues: readonly GraphIssue[]): [GraphIssue['code'], readonly string[]][] => issues.map((i) => [i.code, i.executorIds]);

/** The issues `build()` reports, or [] when it builds. */
export function issuesOf(builder: WorkflowBuilder<any, any>): readonly GraphIssue[] {
  try {
    builder.build();
    return [];
  } catch (error) {
    if (error instanceof GraphValidationError) return error.issues;
    throw error;
  }
}

/** A do-nothing executor with the given schemas, for graphs that are only built. */
export function node(id: string, input: Schema = z.unknown(), output?: Schema): Executor<unknown, unknown, undefined> {
  return executor({ id, input, ...(output === undefined ? {} : { output }), handle: () => undefined }) as Executor<unknown, unknown, undefined>;
}
