import { agentStep, type ExecutorPolicyOptions, type Schema, type WorkflowExecutor } from '../index.js';
import { fromModel, type ModelAgentOptions, type ModelInput, type ModelReply } from './from-model.js';

/** Options of {@link aiAgent}. */
export interface AiAgentOptions<TMessage, TOutput, TSend> extends ModelAgentOptions<TOutput>, ExecutorPolicyOptions {
  readonly id: string;
  /** Turns the message into the model's input (default: the message itself, which must then be a string or messages). */
  readonly prompt?: (message: TMessage) => ModelInput | Promise<ModelInput>;
  /** Validates incoming messages at delivery. */
  readonly input?: Schema<TMessage>;
  /** What to send from the reply (default: `reply.output`, the text or the structured answer). */
  readonly reply?: (reply: ModelReply<TOutput>, message: TMessage) => TSend | Promise<TSend>;
}

/**
 * An executor that asks an AI SDK model: the message becomes a prompt, the answer (text, or an object with `output`)
 * is sent, its tokens are charged to the run's budget, the run's signal cancels the call, and the text streams into
 * the run's events as it is written. Built on `agentStep`, so it is a phase named `agent` followed by `agent.usage`.
 * @example
 * const summarize = aiAgent({ id: 'summarize', model: openai('gpt-5-mini'), prompt: (t: Ticket) => `Summarize: ${t.body}` });
 */
export function aiAgent<TMessage = string, TOutput = string, TSend = TOutput>(
  options: AiAgentOptions<TMessage, TOutput, TSend>,
): WorkflowExecutor<TMessage, TSend, undefined> {
  if (typeof options !== 'object' || options === null || typeof options.id !== 'string' || options.id === '') {
    throw new TypeError('aiAgent needs { id, model }: a non-empty executor id and an AI SDK language model.');
  }
  const { id, prompt, input, reply, retry, timeoutMs, concurrency, limiter, ...model } = options;
  const agent = fromModel<TOutput>({ name: id, ...model });
  const send = reply ?? ((answer: ModelReply<TOutput>) => answer.output as unknown as TSend);
  return agentStep<ModelInput, TMessage, TSend>({
    id,
    agent,
    ...(prompt === undefined ? {} : { prompt }),
    ...(input === undefined ? {} : { input }),
    reply: (answer, message) => send(answer as ModelReply<TOutput>, message),
    ...(retry === undefined ? {} : { retry }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(limiter === undefined ? {} : { limiter }),
  });
}
