import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from './attributes.js';

/** One model call as `weft/ai` reports it in its `ai.step.completed` event. */
interface StepData {
  readonly provider?: unknown;
  readonly model?: unknown;
  readonly responseModel?: unknown;
  readonly inputTokens?: unknown;
  readonly outputTokens?: unknown;
  readonly finishReason?: unknown;
  readonly startedAt?: unknown;
  readonly tools?: unknown;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** An open `invoke_agent` span and the usage of its model calls so far. */
export class AgentSpan {
  private inputTokens = 0;
  private outputTokens = 0;
  private counted = false;
  private provider: string | undefined;
  private model: string | undefined;

  constructor(
    readonly span: Span,
    private readonly context: Context,
  ) {}

  /** A `chat {model}` span for one model call (one step of the tool loop), ending at `at`. */
  step(tracer: Tracer, data: unknown, at: number): void {
    const step = (typeof data === 'object' && data !== null ? data : {}) as StepData;
    const model = str(step.model);
    const provider = str(step.provider);
    const inputTokens = num(step.inputTokens);
    const outputTokens = num(step.outputTokens);
    const attributes: Attributes = { [ATTR.operation]: 'chat' };
    if (provider !== undefined) attributes[ATTR.providerName] = this.provider = provider;
    if (model !== undefined) attributes[ATTR.requestModel] = this.model = model;
    if (str(step.responseModel) !== undefined) attributes[ATTR.responseModel] = step.responseModel as string;
    if (inputTokens !== undefined) attributes[ATTR.inputTokens] = inputTokens;
    if (outputTokens !== undefined) attributes[ATTR.outputTokens] = outputTokens;
    if (str(step.finishReason) !== undefined) attributes[ATTR.finishReasons] = [step.finishReason as string];
    const chat = tracer.startSpan(
      model === undefined ? 'chat' : `chat ${model}`,
      { kind: SpanKind.CLIENT, startTime: num(step.startedAt) ?? at, attributes },
      this.context,
    );
    if (Array.isArray(step.tools)) {
      for (const tool of step.tools as { name?: unknown; id?: unknown }[]) {
        chat.addEvent('gen_ai.tool.call', { [ATTR.toolName]: String(tool.name), [ATTR.toolCallId]: String(tool.id) }, at);
      }
    }
    chat.end(at);
    if (inputTokens !== undefined || outputTokens !== undefined) this.counted = true;
    this.inputTokens += inputTokens ?? 0;
    this.outputTokens += outputTokens ?? 0;
  }

  /** An `execute_tool {name}` span for one tool run, ending at `at`. */
  tool(tracer: Tracer, data: unknown, at: number): void {
    const run = (typeof data === 'object' && data !== null ? data : {}) as {
      toolName?: unknown;
      toolCallId?: unknown;
      durationMs?: unknown;
      ok?: unknown;
    };
    const name = str(run.toolName) ?? 'tool';
    const attributes: Attributes = { [ATTR.operation]: 'execute_tool', [ATTR.toolName]: name };
    if (str(run.toolCallId) !== undefined) attributes[ATTR.toolCallId] = run.toolCallId as string;
    const span = tracer.startSpan(
      `execute_tool ${name}`,
      { kind: SpanKind.INTERNAL, startTime: at - (num(run.durationMs) ?? 0), attributes },
      this.context,
    );
    if (run.ok === false) span.setStatus({ code: SpanStatusCode.ERROR, message: `the tool "${name}" failed` });
    span.end(at);
  }

  end(ok: boolean, at: number): void {
    if (this.provider !== undefined) this.span.setAttribute(ATTR.providerName, this.provider);
    if (this.model !== undefined) this.span.setAttribute(ATTR.requestModel, this.model);
    if (this.counted) this.span.setAttributes({ [ATTR.inputTokens]: this.inputTokens, [ATTR.outputTokens]: this.outputTokens });
    if (!ok) this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the agent call failed' });
    this.span.end(at);
  }
}
