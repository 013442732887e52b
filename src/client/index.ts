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
  ReconnectOptions,
  RunEventsOptions,
  RunOf,
  WorkflowInput,
  WorkflowOutput,
} from './create-client.js';
// The same options as runtime.invoke's, re-exported so that a client-only program needs no other entry.
export type { AnswerOf, ApproveOptions, InvokeOptions, RejectOptions, ResponseOf } from '../index.js';
export { WeftHttpError } from './http-error.js';
export type { HttpIssue } from './http-error.js';
