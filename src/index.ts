export {
  WeftError,
  isWeftError,
  GraphValidationError,
  WorkflowInputError,
  MessageValidationError,
  ExecutorError,
  RoutingError,
  SuperstepLimitError,
  RunCancelledError,
  StateValidationError,
  CheckpointError,
  RequestError,
  BudgetExceededError,
  AgentError,
  NotFoundError,
  RunExistsError,
  UnknownExecutorError,
  OutputValidationError,
  TimeoutError,
  ContextClosedError,
  InternalError,
  LeaseLostError,
} from './errors.js';
export type { AnyWeftError, WeftErrorCode, WeftErrorContext, GraphIssue, CheckpointErrorReason, RequestErrorReason } from './errors.js';
export type { SchemaIssue } from './internal/schema.js';
export type { StandardSchemaV1 } from './internal/types.js';
export type {
  AnyExecutor,
  Backoff,
  Budget,
  BudgetLedger,
  BudgetReservation,
  ExecutorDefaults,
  LimiterLike,
  DirectEdgeDefinition,
  EdgeDefinition,
  Executor,
  ExecutorContext,
  EmitOptions,
  ExecutorKind,
  FanInEdgeDefinition,
  FanOutEdgeDefinition,
  InferSchema,
  InputOf,
  OutputOf,
  AnswerOf,
  ApproveOptions,
  RejectOptions,
  ResponseOf,
  YieldsOf,
  PendingRequest,
  RequestOptions,
  RetryPolicy,
  Schema,
  SendOptions,
  SharedState,
  SwitchEdgeDefinition,
  ValidationMode,
  WorkflowDefinition,
} from './model/types.js';
export type { WorkflowDescription, EdgeDescription } from './model/describe.js';
export type { WireErrorBody, WireIssue, WireWorkflowInfo } from './model/wire.js';
export { executor } from './executors/executor.js';
export type { ExecutorOptions, ExecutorPolicyOptions } from './executors/executor.js';
export { fromFunction } from './executors/from-function.js';
export type { FromFunctionOptions } from './executors/from-function.js';
export { WorkflowBuilder } from './builder/workflow-builder.js';
export type { WorkflowBuilderOptions } from './builder/workflow-builder.js';
export type { CheckedChain, CheckedSwitch, FanInMessage, Source, SwitchCase, SwitchDefault, SwitchMismatch, Target } from './builder/edge-types.js';
export type { OutputMismatch } from './builder/edge-types.js';
export { Workflow } from './runtime/workflow.js';
export type { AttachableRun, ResumedRun, ResumeRunOptions, RunApprovals, StartOptions, WorkflowRun } from './runtime/workflow.js';
export type { NestedExecutor } from './runtime/workflow.js';
export type { Durability, ResumeOptions, RunOptions, RunResult } from './runtime/run.js';
export type { Invocation, Placement } from './runtime/placement.js';
export { executeInvocation } from './runtime/execute-invocation.js';
export type { InvocationRecord, RecordedEvent, RecordedSharedWrite } from './runtime/invocation-records.js';
export { createLimiter } from './runtime/limiter.js';
export type { Limiter, LimiterOptions } from './runtime/limiter.js';
export { MemoryCheckpointStore } from './checkpoint/memory-store.js';
export type { CheckpointStore, StoredCheckpoint, StoredInvocation } from './checkpoint/store.js';
export { CHECKPOINT_VERSION, decodeCheckpointBody, loadCheckpoint } from './checkpoint/checkpoint.js';
export type { Checkpoint, CheckpointBody, QueuedMessage } from './checkpoint/checkpoint.js';
export { EventStream } from './events/event-stream.js';
export { isEventType } from './events/events.js';
export type { DropReason, EventBase, WorkflowEvent, WorkflowEventOf, WorkflowEventType } from './events/events.js';
export { WorkflowConnection } from './composition/connection.js';
export type { WorkflowHandle } from './composition/connection.js';
export { adapter } from './composition/adapter.js';
export type { GraphSource, ExitOptions } from './builder/workflow-builder.js';
export { fromWorkflow } from './runtime/from-workflow.js';
export type { NestedWorkflowOptions } from './runtime/nested.js';
export { SequentialBuilder } from './prebuilt/sequential-builder.js';
export type { SequentialBuilderOptions } from './prebuilt/sequential-builder.js';
export { ConcurrentBuilder } from './prebuilt/concurrent-builder.js';
export type { ConcurrentBuilderOptions, ConcurrentResults } from './prebuilt/concurrent-builder.js';
export type {
  Participant,
  ParticipantInput,
  ParticipantOutput,
  ParticipantExecutor,
  CheckedSequence,
  CheckedStep,
  CommonInput,
} from './prebuilt/participants.js';
export { createRuntime } from './service/runtime.js';
export type { InvokeOptions, Runtime, RuntimeOptions } from './service/runtime.js';
export { MemoryRunStore } from './service/memory-run-store.js';
export type {
  RunStore,
  RunRecord,
  RunStatus,
  RunChanges,
  RunQuery,
  RunPage,
  RunSummary,
  RunLease,
  LeaseRequest,
  RunClaim,
  RunAnswer,
  RunCommit,
  SerializedEvent,
  SerializedError,
} from './service/run-store.js';
// The helpers import this file (their only way into the kernel), so they come after everything they use.
export type { WorkflowExecutor } from './orchestration/workflow-executor.js';
export { parallel } from './orchestration/parallel.js';
export type { ParallelMode, ParallelOptions, ParallelResults } from './orchestration/parallel.js';
export { pipeline } from './orchestration/pipeline.js';
export type {
  CheckedStages,
  PipelineItem,
  PipelineOptions,
  PipelineResult,
  Stage,
  StageContext,
  StageInput,
  StageOutput,
} from './orchestration/pipeline.js';
export { forkCheckpoint } from './orchestration/fork.js';
export type { CheckpointEdit } from './orchestration/fork.js';
export { mapItems } from './orchestration/map.js';
export type { MapItemContext, MapItemsOptions } from './orchestration/map.js';
export { loop } from './orchestration/loop.js';
export type { LoopOptions, LoopResult } from './orchestration/loop.js';
export { isApprovalRequest } from './orchestration/approval.js';
export type { ApprovalDecision, ApprovalPayload, ApprovalRejection, ApprovalRequest } from './orchestration/approval.js';
export { withApproval } from './orchestration/with-approval.js';
export type { WithApprovalOptions } from './orchestration/with-approval.js';
export { createApprovalGate } from './orchestration/approval-gate.js';
export type { ApprovalDecider, ApprovalGate, ApprovalGateOptions, ApprovalRecord, GatedRun } from './orchestration/approval-gate.js';
export { agentStep } from './orchestration/agent-step.js';
export type { Agent, AgentCallOptions, AgentReply, AgentStepOptions, AgentUsage } from './orchestration/agent-step.js';
