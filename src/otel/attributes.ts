/**
 * Attribute and span names. GenAI ones follow the OpenTelemetry GenAI semantic conventions (status: Development);
 * `weft.*` ones are weft's own, for what those conventions do not cover.
 */
export const ATTR = {
  operation: 'gen_ai.operation.name',
  workflowName: 'gen_ai.workflow.name',
  agentName: 'gen_ai.agent.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  runId: 'weft.run.id',
  signature: 'weft.workflow.signature',
  resumedFrom: 'weft.run.resumed_from',
  status: 'weft.run.status',
  superstep: 'weft.superstep',
  executorIds: 'weft.superstep.executor_ids',
  queued: 'weft.superstep.queued',
  executorId: 'weft.executor.id',
  path: 'weft.executor.path',
  invocation: 'weft.invocation',
  attempts: 'weft.invocation.attempts',
  from: 'weft.message.from',
  linkKind: 'weft.link.kind',
} as const;
