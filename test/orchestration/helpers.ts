import type { Agent, AgentReply, WorkflowEvent } from 'weft';
import { deferred, type Deferred } from '../support/async.js';

/** One call a fake agent received, answered when the test says so. */
export interface AgentCall<TInput = string> {
  readonly input: TInput;
  readonly signal: AbortSignal;
  readonly reply: Deferred<AgentReply>;
}

/**
 * A deterministic agent: every call waits until the test resolves it (or answers at once with `auto`), and the
 * agent records how many calls it had in flight at most.
 */
export class FakeAgent<TInput = string> implements Agent<TInput> {
  readonly calls: AgentCall<TInput>[] = [];
  active = 0;
  maxActive = 0;

  constructor(private readonly auto?: (input: TInput) => AgentReply) {}

  async run(input: TInput, options: { readonly signal: AbortSignal }): Promise<AgentReply> {
    const call: AgentCall<TInput> = { input, signal: options.signal, reply: deferred<AgentReply>() };
    this.calls.push(call);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.auto !== undefined) return this.auto(input);
      return await call.reply.promise;
    } finally {
      this.active--;
    }
  }
}

/** The path and type of every event, for compact assertions. */
export const trail = (events: readonly WorkflowEvent[], type: WorkflowEvent['type']): string[] =>
  events.filter((e) => e.type === type).map((e) => e.path.join('/'));
