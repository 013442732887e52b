import {
  generateText,
  Output,
  stepCountIs,
  streamText,
  type FlexibleSchema,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
} from 'ai';
import type { Agent, AgentCallOptions, AgentReply } from '../index.js';
import { classifyAiError } from './classify-error.js';
import { STEP_COMPLETED, TEXT_COMPLETED, TEXT_DELTA, TOOL_COMPLETED, type StepCompleted, type ToolCompleted } from './events.js';

/** What a model agent is asked: a text prompt, or a conversation. */
export type ModelInput = string | readonly ModelMessage[];

/** Sampling settings passed to the model call as they are. */
export interface ModelSettings {
  readonly temperature?: number;
  readonly topP?: number;
  readonly maxOutputTokens?: number;
  readonly seed?: number;
  readonly stopSequences?: readonly string[];
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Options of {@link fromModel}. */
export interface ModelAgentOptions<TOutput = string> {
  /** An AI SDK language model, e.g. `openai('gpt-5-mini')`, or `MockLanguageModelV4` in tests. */
  readonly model: LanguageModel;
  /** The system instructions of every call. */
  readonly instructions?: string;
  /** AI SDK tools the model may call (see also {@link toTool}). */
  readonly tools?: ToolSet;
  /** Model calls per answer when it uses tools (default 1 without tools, 10 with). */
  readonly maxSteps?: number;
  /** A schema (zod or any Standard Schema): the answer is an object of that shape, in `reply.output`. */
  readonly output?: FlexibleSchema<TOutput>;
  /** Stream the text as it is written, as `ai.text.delta` events (default true). */
  readonly stream?: boolean;
  /** The AI SDK's own retries of a call (default 0: weft's `retry` decides, with its backoff and events). */
  readonly maxRetries?: number;
  readonly settings?: ModelSettings;
  /** The agent's name in errors (default: the model id). */
  readonly name?: string;
}

/** Token usage of an answer, all its steps together. */
export interface ModelUsage {
  /** What is charged to the run's budget: the total, or input + output when the provider gives no total. */
  readonly tokens: number;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
}

/** What a model agent answers. */
export interface ModelReply<TOutput = string> extends AgentReply {
  readonly usage: ModelUsage;
  /** The structured answer when `output` was given; otherwise the text. */
  readonly output: TOutput;
  readonly finishReason: string;
  /** Model calls made (more than one when tools were used). */
  readonly steps: number;
}

/** A model agent: an `Agent` for `agentStep`, whose calls may overlap. */
export interface ModelAgent<TOutput = string> extends Agent<ModelInput> {
  run(input: ModelInput, options: AgentCallOptions): Promise<ModelReply<TOutput>>;
  readonly concurrent: true;
}

const usageOf = (usage: LanguageModelUsage): ModelUsage => ({
  tokens: usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
});

function checkOptions(options: ModelAgentOptions<unknown>): void {
  if (typeof options !== 'object' || options === null || options.model === undefined || options.model === null) {
    throw new TypeError('fromModel needs { model }: an AI SDK language model such as openai("gpt-5-mini"), or MockLanguageModelV4 from "ai/test".');
  }
  const { maxSteps, maxRetries } = options;
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 1))
    throw new TypeError(`fromModel: maxSteps must be an integer ≥ 1, got ${String(maxSteps)}.`);
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0))
    throw new TypeError(`fromModel: maxRetries must be an integer ≥ 0, got ${String(maxRetries)}.`);
}

/**
 * An agent from an AI SDK model: `streamText` (or `generateText` with `stream: false`) with the run's signal, tools and
 * structured output. Each model call emits `ai.step.completed` (model, usage, finish reason, tools called), each tool
 * run `ai.tool.completed`; a streamed
 * answer emits its text as live-only `ai.text.delta` events and then `ai.text.completed`. Failures a retry cannot fix
 * become an AgentError.
 * @example
 * const writer = agentStep({ id: 'writer', agent: fromModel({ model: openai('gpt-5-mini'), instructions: 'Be brief.' }) });
 */
export function fromModel<TOutput = string>(options: ModelAgentOptions<TOutput>): ModelAgent<TOutput> {
  checkOptions(options as ModelAgentOptions<unknown>);
  const { model, tools, output, settings } = options;
  const modelId = typeof model === 'string' ? model : model.modelId;
  const name = options.name ?? modelId;
  const maxSteps = options.maxSteps ?? (tools === undefined ? 1 : 10);

  const run = async (input: ModelInput, { signal, emit }: AgentCallOptions): Promise<ModelReply<TOutput>> => {
    if (typeof input !== 'string' && !Array.isArray(input)) {
      throw new TypeError(
        `The model agent "${name}" got ${JSON.stringify(input)}; give it a string or an array of ModelMessage (use prompt: (message) => … to build one).`,
      );
    }
    const callId = globalThis.crypto.randomUUID();
    let startedAt = Date.now();
    const call = {
      model,
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
      ...(typeof input === 'string' ? { prompt: input } : { messages: [...input] }),
      ...(tools === undefined ? {} : { tools }),
      ...(output === undefined ? {} : { output: Output.object({ schema: output }) }),
      ...settings,
      stopWhen: stepCountIs(maxSteps),
      maxRetries: options.maxRetries ?? 0,
      abortSignal: signal,
      onStepStart: () => {
        startedAt = Date.now();
      },
      onStepEnd: (step: StepResultLike) => {
        const data: StepCompleted = {
          callId,
          step: step.stepNumber,
          provider: step.model.provider,
          model: step.model.modelId,
          responseModel: step.response?.modelId,
          inputTokens: step.usage.inputTokens,
          outputTokens: step.usage.outputTokens,
          finishReason: step.finishReason,
          startedAt,
          tools: step.toolCalls.map((toolCall) => ({ name: toolCall.toolName, id: toolCall.toolCallId })),
        };
        emit?.(STEP_COMPLETED, data);
      },
      onToolExecutionEnd: (event: ToolEndLike) => {
        const data: ToolCompleted = {
          callId,
          toolName: event.toolCall.toolName,
          toolCallId: event.toolCall.toolCallId,
          durationMs: event.toolExecutionMs,
          ok: event.toolOutput.type !== 'tool-error',
        };
        emit?.(TOOL_COMPLETED, data);
      },
    };
    try {
      if (options.stream === false) {
        const result = await generateText(call as unknown as Parameters<typeof generateText>[0]);
        const usage = usageOf(result.totalUsage);
        return {
          text: result.text,
          usage,
          output: (output === undefined ? result.text : result.output) as TOutput,
          finishReason: result.finishReason,
          steps: result.steps.length,
        };
      }
      const result = streamText({ ...call, onError: () => undefined } as unknown as Parameters<typeof streamText>[0]);
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') emit?.(TEXT_DELTA, { callId, delta: part.text }, { transient: true });
        else if (part.type === 'error') throw part.error;
        else if (part.type === 'abort') throw signal.reason ?? new Error(`The model call of agent "${name}" was aborted.`);
      }
      const [text, totalUsage, finishReason, steps] = await Promise.all([result.text, result.totalUsage, result.finishReason, result.steps]);
      emit?.(TEXT_COMPLETED, { callId, text });
      const structured = output === undefined ? text : await result.output;
      return { text, usage: usageOf(totalUsage), output: structured as TOutput, finishReason, steps: steps.length };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw classifyAiError(error, name);
    }
  };
  return { run, concurrent: true };
}

/** The fields of an AI SDK tool execution end event that weft reports. */
interface ToolEndLike {
  readonly toolCall: { readonly toolName: string; readonly toolCallId: string };
  readonly toolExecutionMs: number;
  readonly toolOutput: { readonly type: string };
}

/** The fields of an AI SDK step result that weft reports. */
interface StepResultLike {
  readonly stepNumber: number;
  readonly model: { readonly provider: string; readonly modelId: string };
  readonly response?: { readonly modelId?: string };
  readonly usage: LanguageModelUsage;
  readonly finishReason: string;
  readonly toolCalls: readonly { readonly toolName: string; readonly toolCallId: string }[];
}
