import { isWeftError } from '../errors.js';
import { describeThrown } from '../internal/thrown.js';
import type { WorkflowEvent } from '../events/events.js';
import type { RunChanges, SerializedError, SerializedEvent } from './run-store.js';

/** An error as plain JSON: name, code and message, read so that no value (a Proxy, a throwing getter) can make it throw. */
export function serializeError(error: unknown): SerializedError {
  let name = 'Error';
  try {
    if (error instanceof Error && typeof error.name === 'string') name = error.name;
  } catch {
    // a Proxy or a throwing getter: keep the generic name
  }
  return { name, code: isWeftError(error) ? error.code : undefined, message: describeThrown(error) };
}

const plain = (_key: string, value: unknown): unknown =>
  value instanceof Error ? serializeError(value) : typeof value === 'bigint' ? value.toString() : value;

/** Repeated objects become '[Circular]': only used when plain JSON failed, so shared (acyclic) values are rare here. */
function withoutCycles(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (key, value) => {
    const converted = plain(key, value);
    if (typeof converted !== 'object' || converted === null) return converted;
    if (seen.has(converted)) return '[Circular]';
    seen.add(converted);
    return converted;
  };
}

/** The code of the error that fails a run one of whose events could not be stored as JSON. */
export const UNSTORABLE_EVENT = 'event_unstorable';

/**
 * The event as JSON gives it back, so live events equal the stored ones whatever the store. Never throws: an
 * event that JSON cannot hold at all (nested too deep for the stack, a throwing toJSON, getter or Proxy trap) becomes
 * the run's `run.failed` event with code `event_unstorable`, and the caller stops the run there.
 */
export function serializeEvent(event: WorkflowEvent, seq: number): SerializedEvent {
  try {
    const fields = { ...event, ...('error' in event ? { error: serializeError(event.error) } : {}), seq };
    let text: string;
    try {
      text = JSON.stringify(fields, plain);
    } catch {
      text = JSON.stringify(fields, withoutCycles());
    }
    return JSON.parse(text) as SerializedEvent;
  } catch (problem) {
    const message = `The run's "${String(event.type)}" event (seq ${seq}) could not be stored as JSON: ${describeThrown(problem)}. Emit, send and output plain data (objects, arrays, strings, finite numbers, booleans, null), nested less deeply.`;
    return {
      type: 'run.failed',
      runId: event.runId,
      seq,
      superstep: event.superstep,
      path: [],
      at: Date.now(),
      error: { name: 'WeftError', code: UNSTORABLE_EVENT, message },
    } as SerializedEvent;
  }
}

/** A run-level event that ends the run. */
export const isTerminalEvent = (event: SerializedEvent): boolean =>
  event.path.length === 0 && (event.type === 'run.completed' || event.type === 'run.failed' || event.type === 'run.cancelled');

/** What a run-level event changes in the run's record. */
export function changesFor(event: SerializedEvent, updatedAt: number): RunChanges | undefined {
  if (event.path.length > 0) return undefined;
  switch (event.type) {
    case 'run.started':
    case 'run.resumed':
      return { status: 'running', updatedAt };
    case 'checkpoint.saved':
      return { checkpointId: event.checkpointId, updatedAt };
    case 'run.waiting':
      return { status: 'waiting', pendingRequests: event.requests, updatedAt };
    case 'run.completed':
      return { status: 'completed', outputs: event.outputs, pendingRequests: [], updatedAt };
    case 'run.cancelled':
      return { status: 'cancelled', pendingRequests: [], updatedAt };
    case 'run.failed':
      // JSON dropped an undefined `code`; the record keeps the key.
      return {
        status: 'failed',
        error: { name: event.error.name, code: event.error.code ?? undefined, message: event.error.message },
        pendingRequests: [],
        updatedAt,
      };
    default:
      return undefined;
  }
}

/** The record's changes of a batch of events, later ones winning. */
export function changesOf(events: readonly SerializedEvent[], updatedAt: number): RunChanges | undefined {
  let changes: RunChanges | undefined;
  for (const event of events) {
    const more = changesFor(event, updatedAt);
    if (more !== undefined) changes = { ...changes, ...more };
  }
  return changes;
}
