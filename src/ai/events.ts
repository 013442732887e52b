import type { WorkflowEvent, WorkflowEventOf } from '../index.js';

/** The `name` of the live-only `custom` event that carries text as a model writes it. */
export const TEXT_DELTA = 'ai.text.delta';
/** The `name` of the stored `custom` event that carries a streamed call's final text. */
export const TEXT_COMPLETED = 'ai.text.completed';
/** The `name` of the stored `custom` event emitted after each model call (one step of the tool loop). */
export const STEP_COMPLETED = 'ai.step.completed';

/** The `name` of the stored `custom` event emitted after each tool the model called has run. */
export const TOOL_COMPLETED = 'ai.tool.completed';

/** `data` of a {@link TOOL_COMPLETED} event; `weft/otel` turns it into an `execute_tool {name}` span. */
export interface ToolCompleted {
  readonly callId: string;
  readonly toolName: string;
  readonly toolCallId: string;
  readonly durationMs: number;
  /** False when the tool threw (the model sees the error). */
  readonly ok: boolean;
}

/** `data` of an {@link TEXT_DELTA} event: a piece of text, in order; `callId` tells concurrent calls apart. */
export interface TextDelta {
  readonly callId: string;
  readonly delta: string;
}

/** `data` of a {@link TEXT_COMPLETED} event. */
export interface TextCompleted {
  readonly callId: string;
  readonly text: string;
}

/** `data` of a {@link STEP_COMPLETED} event; `weft/otel` turns it into a `chat {model}` span. */
export interface StepCompleted {
  readonly callId: string;
  readonly step: number;
  readonly provider: string;
  readonly model: string;
  readonly responseModel: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly finishReason: string;
  /** When the model call started, in milliseconds since the epoch. */
  readonly startedAt: number;
  /** The tools the model called in this step. */
  readonly tools: readonly { readonly name: string; readonly id: string }[];
}

type Custom<TData> = WorkflowEventOf<'custom'> & { readonly data: TData };

/** True for a token delta event of `weft/ai`: `events.filter(isTextDelta).map((e) => e.data.delta)`. */
export function isTextDelta(event: WorkflowEvent | { readonly type: string; readonly name?: unknown }): event is Custom<TextDelta> {
  return event.type === 'custom' && (event as { name?: unknown }).name === TEXT_DELTA;
}

/** True for the final text event of a streamed call of `weft/ai`. */
export function isTextCompleted(event: WorkflowEvent | { readonly type: string; readonly name?: unknown }): event is Custom<TextCompleted> {
  return event.type === 'custom' && (event as { name?: unknown }).name === TEXT_COMPLETED;
}
