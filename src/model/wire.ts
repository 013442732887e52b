import type { WorkflowDescription } from './describe.js';

/** One schema issue as the HTTP API serves it: the path with symbols spelled out, so it survives JSON. */
export interface WireIssue {
  readonly message: string;
  readonly path: readonly (string | number)[];
}

/** The body of every error response of the HTTP API. */
export interface WireErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly WireIssue[];
  };
}

/** A workflow as `GET /workflows` lists it. */
export interface WireWorkflowInfo {
  readonly name: string;
  readonly signature: string;
  /** JSON Schema of the input, when the start executor's schema can produce one. */
  readonly input?: unknown;
  readonly mermaid: string;
  readonly description: WorkflowDescription;
  /** What the caller may do with it, as the server's policies answered. */
  readonly access: { readonly invoke: boolean; readonly read: boolean };
}
