// The JSON the console's routes answer with: types only, importing nothing but two model types, so that the browser
// console (src/console, its own DOM-only type program) shares them with `import type` without taking in the server
// or the runtime. The lint rule console-types-are-a-leaf keeps it so.
import type { EdgeDescription } from '../model/describe.js';
import type { PendingRequest } from '../model/types.js';

/** One change to a run's state between two checkpoints: `before` is absent for an addition, `after` for a removal. */
export interface StateChange {
  readonly op: 'add' | 'replace' | 'remove';
  /** From the state's root: `['shared', 'count']` or `['executorStates', 'approver', 'refund']`. */
  readonly path: readonly (string | number)[];
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A checkpoint as the console lists it: where it sits, what it added, and what it waits for. */
export interface CheckpointSummary {
  readonly id: string;
  readonly parentId: string | null;
  readonly superstep: number;
  readonly createdAt: number;
  readonly kind: 'full' | 'delta';
  readonly bytes: number;
  /** Outputs added since the parent. */
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly PendingRequest[];
  /** The executors the queued messages go to next. */
  readonly queued: readonly string[];
  readonly budget: { readonly limit: number | null; readonly spent: number };
}

/** What one checkpoint's superstep changed (`GET /runs/:id/checkpoints/:checkpointId/changes`). */
export interface CheckpointChanges {
  readonly checkpointId: string;
  readonly superstep: number;
  readonly changes: readonly StateChange[];
}

/** One executor as the console shows it: its kind, schemas (JSON Schema), policies and any graph nested in it. */
export interface ExecutorDetail {
  readonly id: string;
  readonly kind: string;
  readonly concurrency: number;
  readonly retry?: { readonly attempts: number; readonly backoff?: unknown };
  readonly timeoutMs?: number;
  readonly limited: boolean;
  readonly input?: unknown;
  readonly output?: unknown;
  /** JSON Schema of the answers to its requests, for a form. */
  readonly response?: unknown;
  /** A nested workflow (`fromWorkflow`) or a helper's own graph (`parallel`, `pipeline`, `loop` …). */
  readonly graph?: GraphDetail;
}

/** A workflow's graph with everything the console draws and lists. */
export interface GraphDetail {
  readonly name: string;
  readonly signature: string;
  readonly start: string;
  readonly maxSupersteps: number;
  readonly executors: readonly ExecutorDetail[];
  readonly edges: readonly EdgeDescription[];
}
