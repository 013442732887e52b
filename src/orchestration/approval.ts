import type { PendingRequest, Schema, StandardSchemaV1 } from '../index.js';

/** The payload of a request made by `withApproval`: what a person, a UI or an approval gate sees. Plain JSON. */
export interface ApprovalPayload<TInput = unknown> {
  readonly kind: 'approval';
  /** The executor that asks, and runs once approved. */
  readonly executorId: string;
  /** What `describe(input)` said about this invocation. */
  readonly description: string;
  /** The message the executor would run with. */
  readonly input: TInput;
}

/** A pending request asking for an approval. */
export type ApprovalRequest<TInput = unknown> = PendingRequest<ApprovalPayload<TInput>>;

/**
 * The answer to an approval request: approve (optionally with a modified input, validated against the executor's
 * input schema), or reject. `reason` is kept for the audit trail and passed on with a rejection.
 */
export type ApprovalDecision<TInput = unknown> =
  | { readonly approved: true; readonly input?: TInput; readonly reason?: string }
  | { readonly approved: false; readonly reason?: string };

/** What a rejected invocation becomes: a run output by default, or whatever `onReject` makes of it. */
export interface ApprovalRejection<TInput = unknown> {
  readonly kind: 'approval.rejected';
  readonly executorId: string;
  /** The input that was not approved. */
  readonly input: TInput;
  readonly reason?: string;
}

/** True when a pending request asks for an approval made by `withApproval`. */
export function isApprovalRequest(request: PendingRequest): request is ApprovalRequest {
  const payload = request.payload as Partial<ApprovalPayload> | null;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    payload.kind === 'approval' &&
    typeof payload.executorId === 'string' &&
    typeof payload.description === 'string'
  );
}

type Issue = StandardSchemaV1.Issue;

/** The issues of a value that is not an ApprovalDecision (the input aside); empty when it is one. */
function shapeIssues(value: unknown): Issue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ message: 'An approval decision is an object: { approved: boolean, input?, reason? }.' }];
  const decision = value as Record<string, unknown>;
  const issues: Issue[] = [];
  if (typeof decision['approved'] !== 'boolean') issues.push({ message: 'approved must be true or false.', path: ['approved'] });
  if (decision['reason'] !== undefined && typeof decision['reason'] !== 'string')
    issues.push({ message: 'reason must be a string.', path: ['reason'] });
  if (decision['approved'] === false && decision['input'] !== undefined)
    issues.push({ message: 'A rejection carries no input; approve to run with a modified input.', path: ['input'] });
  return issues;
}

/**
 * @internal Validates an answer to an approval request, a modified input against the executor's input schema too.
 * It returns the answer as given: the modified input is parsed once, when the approved work runs.
 */
export function approvalDecisionSchema(input: Schema | undefined): Schema<ApprovalDecision> {
  const validate = (value: unknown): StandardSchemaV1.Result<ApprovalDecision> | Promise<StandardSchemaV1.Result<ApprovalDecision>> => {
    const issues = shapeIssues(value);
    if (issues.length > 0) return { issues };
    const modified = (value as Record<string, unknown>)['input'];
    if (input === undefined || modified === undefined) return { value: value as ApprovalDecision };
    const finish = (result: StandardSchemaV1.Result<unknown>): StandardSchemaV1.Result<ApprovalDecision> =>
      result.issues === undefined
        ? { value: value as ApprovalDecision }
        : { issues: result.issues.map((issue) => ({ ...issue, path: ['input', ...(issue.path ?? [])] })) };
    const checked = input['~standard'].validate(modified);
    return checked instanceof Promise ? checked.then(finish) : finish(checked);
  };
  return { '~standard': { version: 1, vendor: 'weft', validate } };
}

/** @internal A schema accepting what either schema accepts (the first that passes gives the value). */
export function eitherSchema(first: Schema, second: Schema): Schema {
  const validate = async (value: unknown): Promise<StandardSchemaV1.Result<unknown>> => {
    const a = await first['~standard'].validate(value);
    if (a.issues === undefined) return a;
    const b = await second['~standard'].validate(value);
    return b.issues === undefined ? b : { issues: [...a.issues, ...b.issues] };
  };
  return { '~standard': { version: 1, vendor: 'weft', validate } };
}

/** @internal Parses `value` with `schema` (when there is one), throwing a readable error when it does not pass. */
export async function parseWith(schema: Schema | undefined, value: unknown, what: string): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined)
    throw new TypeError(`${what} does not match its schema: ${result.issues.map((issue) => issue.message.replace(/\.+$/, '')).join('; ')}.`);
  return result.value;
}
