// Validation at delivery: each queued payload is replaced by its parsed value before any handler of the superstep runs.
import { MessageValidationError, RequestError } from '../errors.js';
import { formatIssues, toOutcome, type ValidationOutcome } from '../internal/schema.js';
import type { AnyExecutor, PendingRequest, Schema } from '../model/types.js';
import type { Delivery } from '../routing/router.js';
import { settleQuietly } from './scheduler.js';
import type { Group } from './superstep.js';

/** The source of the delivery that carries a run's input. */
export const INPUT_SOURCE = '(input)';

/** What decides which deliveries are parsed, and against which schema. */
export interface DeliveryRules {
  readonly runId: string;
  /** False with `validate: 'edges-only'`. */
  readonly validateMessages: boolean;
  /** The queued input is the value as given (true), or one the caller parsed already (a nested child). */
  readonly rawSeed: boolean;
  /** The response schema of a request (its own, or its executor's). */
  schemaFor(request: PendingRequest): Schema | undefined;
}

/** Replaces each payload by its parsed value; fails on the first mismatch. Synchronous while every schema is. */
export function validateDeliveries(
  groups: readonly Group<{ readonly executor: AnyExecutor }>[],
  rules: DeliveryRules,
  superstep: number,
): Promise<void> | undefined {
  let pending: Promise<void>[] | undefined;
  for (const { node, deliveries } of groups) {
    const target = node.executor;
    for (let index = 0; index < deliveries.length; index++) {
      const delivery = deliveries[index] as Delivery;
      // Messages are parsed unless the run is 'edges-only'; the input and answers always are (they were checked, then
      // queued as given so checkpoints hold plain data); answers bound for a nested workflow are parsed by the child.
      let schema: Schema | undefined;
      if (delivery.request !== undefined) schema = target.kind === 'workflow' ? undefined : rules.schemaFor(delivery.request);
      else if (delivery.source === INPUT_SOURCE) schema = rules.rawSeed ? target.input : undefined;
      else schema = rules.validateMessages ? target.input : undefined;
      if (schema === undefined) continue;
      const payload = delivery.payload;
      // The common case, a synchronous schema that accepts the value, without an outcome object per delivery.
      const result = schema['~standard'].validate(payload);
      if (!(result instanceof Promise) && result.issues === undefined) {
        if (result.value !== payload) deliveries[index] = { ...delivery, payload: result.value };
        continue;
      }
      if (result instanceof Promise) {
        (pending ??= []).push(result.then((settled) => applyValidation(deliveries, index, toOutcome(settled), rules.runId, superstep)));
        continue;
      }
      try {
        applyValidation(deliveries, index, toOutcome(result), rules.runId, superstep);
      } catch (error) {
        settleQuietly(pending);
        throw error;
      }
    }
  }
  return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
}

function applyValidation(deliveries: Delivery[], index: number, outcome: ValidationOutcome<unknown>, runId: string, superstep: number): void {
  const delivery = deliveries[index] as Delivery;
  const request = delivery.request;
  if (!outcome.ok && request !== undefined) {
    throw new RequestError(
      'invalid_response',
      `The answer to request "${request.id}" of "${request.executorId}" no longer matches its response schema: ${formatIssues(outcome.issues)}.`,
      { runId, executorId: request.executorId, requestId: request.id, issues: outcome.issues },
    );
  }
  if (!outcome.ok) throw new MessageValidationError(delivery.source, delivery.target, outcome.issues, { runId, superstep });
  if (outcome.value !== delivery.payload) deliveries[index] = { ...delivery, payload: outcome.value };
}
