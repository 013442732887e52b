import type { StandardSchemaV1 } from './types.js';

/** An issue from a schema, with its path flattened to plain keys. */
export interface SchemaIssue {
  readonly message: string;
  readonly path: readonly PropertyKey[];
}

export type ValidationOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

/** A Standard Schema result as an outcome, its issue paths flattened. */
export function toOutcome<T>(result: StandardSchemaV1.Result<T>): ValidationOutcome<T> {
  if (result.issues === undefined) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment)),
    })),
  };
}

/** Validates with any Standard Schema; stays synchronous when the schema is. */
export function validateWith<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): ValidationOutcome<T> | Promise<ValidationOutcome<T>> {
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(toOutcome) : toOutcome(result);
}

/** Formats issues as `path: message` parts for error messages, without a final period (the sentence around them has one). */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  const message = (issue: SchemaIssue): string => issue.message.replace(/\.+$/, '');
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${message(issue)}` : message(issue))).join('; ');
}
