export { createClient } from './create-client.js';
export type {
  AnyRunOf,
  AnyWorkflow,
  Client,
  ClientHeaders,
  ClientOptions,
  ClientRun,
  ClientRunPage,
  ClientRunQuery,
  ClientWorkflowInfo,
  InvokeOptions,
  ReconnectOptions,
  RunEventsOptions,
  RunOf,
  WorkflowInput,
  WorkflowOutput,
} from './create-client.js';
export { WeftHttpError } from './http-error.js';
export type { HttpIssue } from './http-error.js';
