// Validation at delivery: each queued payload is replaced by its parsed value before any handler of the superstep runs.
import { MessageValidationError, RequestError } from '../errors.js';
import { formatIssues, toOutcome, type ValidationOutcome } from '../internal/schema.js';
import type { AnyExecutor, PendingRequest, Schema } from '../model/types.js';
import type { Delivery } from '../routing/router.js';
import { settleQuietly } from './scheduler.js';

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

/** One executor's deliveries of a superstep, read and replaced by index (an `ExecutorSlot`). */
export interface DeliveryGroup {
  readonly node: { readonly executor: AnyExecutor };
  readonly size: number;
  delivery(index: number): Delivery;
  replace(index: number, delivery: Delivery): void;
}

/** Replaces each payload by its parsed value; fails on the first mismatch. Synchronous while every schema is. */
export function validateDeliveries(groups: readonly DeliveryGroup[], rules: DeliveryRules, superstep: number): Promise<void> | undefined {
  let pending: Promise<void>[] | undefined;
  for (const deliveries of groups) {
    const target = deliveries.node.executor;
    const size = deliveries.size;
    for (let index = 0; index < size; index++) {
      const delivery = deliveries.delivery(index);
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
        if (result.value !== payload) deliveries.replace(index, { ...delivery, payload: result.value });
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

function applyValidation(deliveries: DeliveryGroup, index: number, outcome: ValidationOutcome<unknown>, runId: string, superstep: number): void {
  const delivery = deliveries.delivery(index);
  const request = delivery.request;
  if (!outcome.ok && request !== undefined) {
    throw new RequestError(
      'invalid_response',
      `The answer to request "${request.id}" of "${request.executorId}" no longer matches its response schema: ${formatIssues(outcome.issues)}.`,
      { runId, executorId: request.executorId, requestId: request.id, issues: outcome.issues },
    );
  }
  if (!outcome.ok) throw new MessageValidationError(delivery.source, delivery.target, outcome.issues, { runId, superstep });
  if (outcome.value !== delivery.payload) deliveries.replace(index, { ...delivery, payload: outcome.value });
}
