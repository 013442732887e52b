export { createApp } from './create-app.js';
export type { CreateAppOptions, WorkflowPolicies, WorkflowInfo } from './create-app.js';
export { allow } from './policy.js';
export type { Policy, ServerEnv, ServerVariables } from './policy.js';
export type { ErrorBody, ServedIssue } from './problem.js';
export { serve } from './serve.js';
export type { ServeOptions, RunningServer, FetchApp } from './serve.js';
export type { ConsoleOptions } from './console.js';
export type { CheckpointChanges, CheckpointSummary, ExecutorDetail, GraphDetail, StateChange } from './console-types.js';
