import { fromFunction, type EmitOptions, type ExecutorContext, type ExecutorPolicyOptions, type Schema } from '../index.js';
import { withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

/** Tokens an agent call used; charged to the run's budget. */
export interface AgentUsage {
  readonly tokens: number;
}

/** What an agent call returns. */
export interface AgentReply {
  readonly text: string;
  readonly usage?: AgentUsage;
}

/** What {@link agentStep} gives each call besides the input. */
export interface AgentCallOptions {
  /** The run's cancellation: pass it on to the model call. */
  readonly signal: AbortSignal;
  /** Emits a `custom` event of the calling executor (e.g. token deltas, with `{ transient: true }`). */
  readonly emit?: (name: string, data?: unknown, options?: EmitOptions) => void;
}

/**
 * Anything that answers an input: an LLM client, an agent framework, a fake in tests. One object is one session:
 * {@link agentStep} never runs it twice at once, unless it is `concurrent`. Adapt a provider's SDK in a few lines
 * (see the support-agent example), or use `weft/ai` for an AI SDK model.
 */
export interface Agent<TInput = string> {
  run(input: TInput, options: AgentCallOptions): Promise<AgentReply>;
  /** True when calls may overlap (a stateless model client): they are not queued. */
  readonly concurrent?: boolean;
}

/** Options of {@link agentStep}. */
export interface AgentStepOptions<TAgentInput, TMessage, TOutput> extends ExecutorPolicyOptions {
  readonly id: string;
  readonly agent: Agent<TAgentInput>;
  /** Turns the message into the agent's input (default: the message itself). */
  readonly prompt?: (message: TMessage) => TAgentInput | Promise<TAgentInput>;
  /** Validates incoming messages at delivery. */
  readonly input?: Schema<TMessage>;
  /** What to send from the reply (default: its text); `undefined` sends nothing. */
  readonly reply?: (reply: AgentReply, message: TMessage) => TOutput | Promise<TOutput>;
  /**
   * Tokens one call is expected to use, held from the run's budget while it runs (see `ctx.budget.reserve`).
   * Default: the largest usage a call of this run has reported so far; before any, the first call goes alone.
   */
  readonly estimate?: number | ((input: TAgentInput) => number);
}

/** The end of the queue of calls to each agent object: calls to one session run one at a time, across runs. */
const sessions = new WeakMap<object, Promise<void>>();

/** Runs `work` once every earlier call to `agent` has settled; gives up waiting (without calling) when `signal` aborts. */
async function exclusive<T>(agent: object, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const previous = sessions.get(agent) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  // The next caller waits for the previous call and this one, even if this one gives up early.
  sessions.set(
    agent,
    previous.then(() => mine),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    if (signal.aborted) throw signal.reason;
    return await work();
  } finally {
    release();
  }
}

/**
 * An executor that calls an agent: `prompt` makes its input from the message, the call gets the run's
 * cancellation signal, `usage.tokens` is charged to the run's budget, and the reply's text (or what `reply` makes of
 * it) is sent. A call is refused with BudgetExceededError (and `budget.exceeded`) once the budget is spent; a call
 * already in flight finishes and its reply is sent. Calls to one agent object queue: it never runs twice at once,
 * in any run. Each call is a phase named `agent`, followed by an `agent.usage` event.
 * @example
 * const triage = agentStep({ id: 'triage', agent: openaiAgent, prompt: (t: Ticket) => `Classify: ${t.body}` });
 */
export function agentStep<TAgentInput, TMessage = TAgentInput, TOutput = string>(
  options: AgentStepOptions<TAgentInput, TMessage, TOutput>,
): WorkflowExecutor<TMessage, TOutput, undefined> {
  const { id, agent, prompt, reply, estimate } = options ?? ({} as Partial<AgentStepOptions<TAgentInput, TMessage, TOutput>>);
  if (typeof agent !== 'object' || agent === null || typeof agent.run !== 'function') {
    throw new TypeError(`agentStep "${String(id)}" needs an agent: an object with run(input, { signal }) → Promise<{ text, usage? }>.`);
  }
  if (estimate !== undefined && typeof estimate !== 'function' && !(Number.isFinite(estimate) && estimate >= 0)) {
    throw new TypeError(
      `agentStep "${String(id)}": estimate must be a number of tokens ≥ 0 or a function of the agent's input, got ${String(estimate)}.`,
    );
  }
  const estimateFor = (input: TAgentInput): { tokens?: number } =>
    estimate === undefined ? {} : { tokens: typeof estimate === 'function' ? estimate(input) : estimate };

  const call = async (message: TMessage, ctx: ExecutorContext<TOutput, undefined>): Promise<TOutput> => {
    const input = prompt === undefined ? (message as unknown as TAgentInput) : await prompt(message);
    const work = async (): Promise<AgentReply> => {
      // Holds tokens before calling: waits while calls in flight hold what remains, refused once nothing remains.
      const hold = await ctx.budget.reserve(estimateFor(input), { signal: ctx.signal });
      let answer: AgentReply;
      try {
        answer = await ctx.phase('agent', () =>
          agent.run(input, { signal: ctx.signal, emit: (name, data, emitOptions) => ctx.emit(name, data, emitOptions) }),
        );
      } catch (error) {
        hold.release();
        throw error;
      }
      // The call was allowed when it started: its usage is charged even if the budget ran out meanwhile.
      const tokens = (answer as Partial<AgentReply> | null)?.usage?.tokens;
      if (typeof tokens === 'number') hold.settle({ tokens });
      else hold.release();
      return answer;
    };
    const result = agent.concurrent === true ? await work() : await exclusive(agent, ctx.signal, work);
    if (typeof result !== 'object' || result === null || typeof result.text !== 'string') {
      throw new TypeError(`The agent of "${id}" returned ${JSON.stringify(result)}; agent.run must resolve to { text: string, usage?: { tokens } }.`);
    }
    const tokens = result.usage?.tokens;
    ctx.emit('agent.usage', { tokens: tokens ?? null, spent: ctx.budget.spent, limit: ctx.budget.limit });
    return reply === undefined ? (result.text as unknown as TOutput) : await reply(result, message);
  };

  const node = fromFunction(id as string, (message: TMessage, ctx) => call(message, ctx as unknown as ExecutorContext<TOutput, undefined>), {
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.limiter === undefined ? {} : { limiter: options.limiter }),
  });
  return withWorkflow(node) as unknown as WorkflowExecutor<TMessage, TOutput, undefined>;
}
