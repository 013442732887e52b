// The JSON the console reads from weft/server; the console is a client of the HTTP API and shares no code with it.

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

export type EdgeDescription =
  | { readonly kind: 'direct'; readonly id: string; readonly source: string; readonly target: string; readonly conditional: boolean }
  | { readonly kind: 'fan-out'; readonly id: string; readonly source: string; readonly targets: readonly string[]; readonly selective: boolean }
  | { readonly kind: 'fan-in'; readonly id: string; readonly sources: readonly string[]; readonly target: string }
  | { readonly kind: 'switch'; readonly id: string; readonly source: string; readonly cases: readonly string[]; readonly otherwise: string };

export interface ExecutorDetail {
  readonly id: string;
  readonly kind: string;
  readonly concurrency: number;
  readonly retry?: { readonly attempts: number; readonly backoff?: unknown };
  readonly timeoutMs?: number;
  readonly limited: boolean;
  readonly input?: JsonSchema;
  readonly output?: JsonSchema;
  readonly response?: JsonSchema;
  readonly graph?: GraphDetail;
}

export interface GraphDetail {
  readonly name: string;
  readonly signature: string;
  readonly start: string;
  readonly maxSupersteps: number;
  readonly executors: readonly ExecutorDetail[];
  readonly edges: readonly EdgeDescription[];
}

export interface WorkflowInfo {
  readonly name: string;
  readonly signature: string;
  readonly input?: JsonSchema;
  readonly access: { readonly invoke: boolean; readonly read: boolean };
}

export interface StateChange {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: readonly (string | number)[];
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface CheckpointSummary {
  readonly id: string;
  readonly parentId: string | null;
  readonly superstep: number;
  readonly createdAt: number;
  readonly kind: 'full' | 'delta';
  readonly bytes: number;
  readonly changes: readonly StateChange[];
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly PendingRequest[];
  readonly queued: readonly string[];
  readonly budget: { readonly limit: number | null; readonly spent: number };
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
