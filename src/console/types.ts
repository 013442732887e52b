// The JSON the console reads from weft/server. The console is a client of the HTTP API: it shares the server's types
// (import type, erased from the bundle), never its code.

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface PendingRequest {
  readonly id: string;
  readonly executorId: string;
  readonly path: readonly string[];
  readonly payload: unknown;
  readonly superstep: number;
}

export interface SerializedError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

export interface RunRecord {
  readonly id: string;
  readonly workflow: string;
  readonly status: RunStatus;
  readonly input: unknown;
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly PendingRequest[];
  readonly error?: SerializedError;
  readonly checkpointId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A run's event as served: the fields every event has, and the rest by type. */
export interface RunEvent {
  readonly type: string;
  readonly runId: string;
  readonly seq: number;
  readonly superstep: number;
  readonly path: readonly string[];
  readonly at: number;
  readonly [field: string]: unknown;
}

// The graph and checkpoint shapes are the server's own, from its types-only module (erased from the bundle).
export type { CheckpointChanges, CheckpointSummary, ExecutorDetail, GraphDetail, StateChange } from '../server/console-types.js';
import type { GraphDetail } from '../server/console-types.js';

export type EdgeDescription = GraphDetail['edges'][number];

export interface WorkflowInfo {
  readonly name: string;
  readonly signature: string;
  readonly input?: JsonSchema;
  readonly access: { readonly invoke: boolean; readonly read: boolean };
}

/** The subset of JSON Schema the forms understand; anything else is edited as JSON. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly items?: JsonSchema;
  readonly description?: string;
  readonly title?: string;
  readonly default?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly format?: string;
}
