// "weft/ai": agents from AI SDK models. Needs the optional peer `ai`.
export { aiAgent } from './ai-agent.js';
export type { AiAgentOptions } from './ai-agent.js';
export { fromModel } from './from-model.js';
export type { ModelAgent, ModelAgentOptions, ModelInput, ModelReply, ModelSettings, ModelUsage } from './from-model.js';
export { toTool } from './to-tool.js';
export type { ToToolOptions } from './to-tool.js';
export { classifyAiError, isRetryableAiError } from './classify-error.js';
export { STEP_COMPLETED, TEXT_COMPLETED, TEXT_DELTA, TOOL_COMPLETED, isTextCompleted, isTextDelta } from './events.js';
export type { StepCompleted, TextCompleted, TextDelta, ToolCompleted } from './events.js';
