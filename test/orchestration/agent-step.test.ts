// agentStep(): calls an agent, charges its usage, passes cancellation, and never runs one agent twice at once.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { BudgetExceededError, ExecutorError, RunCancelledError, WorkflowBuilder, agentStep, createLimiter, executor, parallel } from 'weft';
import { caught, ofType, record, until } from '../support/async.js';
import { FakeAgent } from './helpers.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

describe('agentStep', () => {
  it('calls the agent with the prompt, sends its text and charges its usage', async () => {
    const agent = new FakeAgent((input) => ({ text: `echo: ${input}`, usage: { tokens: 12 } }));
    const step = agentStep({ id: 'echo', agent, prompt: (ticket: { subject: string }) => `Subject: ${ticket.subject}` });
    const { events } = await record(step.toWorkflow().stream({ subject: 'refund' }, { budget: { tokens: 100 } }));
    expect(agent.calls.map((c) => c.input)).toEqual(['Subject: refund']);
    const completed = ofType(events, 'run.completed').at(-1);
    expect(completed?.outputs).toEqual(['echo: Subject: refund']);
    expect(ofType(events, 'custom').find((e) => e.name === 'agent.usage')?.data).toEqual({ tokens: 12, spent: 12, limit: 100 });
    expect(ofType(events, 'phase.completed').map((e) => [e.executorId, e.name, e.ok])).toEqual([['echo', 'agent', true]]);
    const result = await step.toWorkflow().run({ subject: 'x' }, { budget: { tokens: 100 } });
    expect(result.budget).toEqual({ limit: 100, spent: 12 });
  });

  it('sends what `reply` makes of the reply, and charges nothing without usage', async () => {
    const agent = new FakeAgent(() => ({ text: 'billing' }));
    const step = agentStep({ id: 'classify', agent, reply: (reply, message: string) => ({ message, category: reply.text }) });
    const result = await step.toWorkflow().run('I was charged twice');
    expect(result.outputs).toEqual([{ message: 'I was charged twice', category: 'billing' }]);
    expect(result.budget).toEqual({ limit: null, spent: 0 });
  });

  it('validates its input when given a schema', async () => {
    const step = agentStep({ id: 'a', agent: new FakeAgent((text) => ({ text })), input: z.string().min(3) });
    expect(await caught(() => step.toWorkflow().run('no'))).toMatchObject({ code: 'workflow_input_invalid' });
  });

  it('never runs one agent twice at once: calls to the same agent queue, across executors and runs', async () => {
    const agent = new FakeAgent();
    const a = agentStep({ id: 'a', agent });
    const b = agentStep({ id: 'b', agent });
    const first = parallel([a, b]).toWorkflow().start('hi');
    const second = a.toWorkflow().start('again');
    await until(() => agent.calls.length === 1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(agent.calls).toHaveLength(1);
    for (let n = 1; n <= 3; n++) {
      agent.calls[n - 1]?.reply.resolve({ text: `reply ${n}` });
      if (n < 3) await until(() => agent.calls.length === n + 1);
    }
    await Promise.all([first.result, second.result]);
    expect(agent.maxActive).toBe(1);
    expect(agent.calls.map((c) => c.input).sort()).toEqual(['again', 'hi', 'hi']);
  });

  it('runs different agents at once', async () => {
    const one = new FakeAgent();
    const two = new FakeAgent();
    const run = parallel([agentStep({ id: 'one', agent: one }), agentStep({ id: 'two', agent: two })])
      .toWorkflow()
      .start('go');
    await until(() => one.calls.length === 1 && two.calls.length === 1);
    two.calls[0]?.reply.resolve({ text: '2' });
    one.calls[0]?.reply.resolve({ text: '1' });
    expect((await run.result).outputs).toEqual([['1', '2']]);
  });

  it('passes cancellation to the call in flight, and a queued call never starts', async () => {
    const agent = new FakeAgent();
    const run = parallel([agentStep({ id: 'a', agent }), agentStep({ id: 'b', agent })])
      .toWorkflow()
      .start('go');
    await until(() => agent.calls.length === 1);
    run.cancel();
    expect(await caught(() => run.result)).toBeInstanceOf(RunCancelledError);
    expect(agent.calls[0]?.signal.aborted).toBe(true);
    agent.calls[0]?.reply.resolve({ text: 'too late' });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(agent.calls).toHaveLength(1);
  });

  it('refuses to call the agent once the budget is spent', async () => {
    const agent = new FakeAgent((text) => ({ text, usage: { tokens: 30 } }));
    const first = agentStep({ id: 'first', agent });
    const second = agentStep({ id: 'second', agent });
    const workflow = new WorkflowBuilder({ name: 'two-calls', start: first }).addEdge(first, second).addEdge(second, sink).build();
    const { events, error } = await record(workflow.stream('hi', { budget: { tokens: 30 } }));
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as Error).cause).toBeInstanceOf(BudgetExceededError);
    expect(agent.calls).toHaveLength(1);
    expect(ofType(events, 'budget.exceeded').map((e) => [e.executorId, e.refused])).toEqual([
      ['first', false],
      ['second', true],
    ]);
  });

  it('fails when the agent fails, and retries it when asked to', async () => {
    let calls = 0;
    const flaky = {
      run: async (input: string) => {
        if (++calls === 1) throw new Error('rate limited');
        return { text: input.toUpperCase() };
      },
    };
    expect(await caught(() => agentStep({ id: 'once', agent: flaky }).toWorkflow().run('a'))).toBeInstanceOf(ExecutorError);
    calls = 0;
    expect(
      (
        await agentStep({ id: 'twice', agent: flaky, retry: { attempts: 2 } })
          .toWorkflow()
          .run('a')
      ).outputs,
    ).toEqual(['A']);
  });

  it('says what is wrong with a reply that is not { text }', async () => {
    const bad = { run: async () => ({ content: 'hi' }) as never };
    const error = await caught(() => agentStep({ id: 'bad', agent: bad }).toWorkflow().run('x'));
    expect((error as Error).message).toMatch(/agent.run must resolve to \{ text: string/);
    expect(() => agentStep({ id: 'none', agent: {} as never })).toThrow(/needs an agent/);
  });

  it('honours a limiter shared by many executors and runs', async () => {
    const limiter = createLimiter({ concurrency: 1 });
    const agents = [new FakeAgent(), new FakeAgent(), new FakeAgent()];
    let active = 0;
    let max = 0;
    const counted = agents.map((agent) => ({
      run: async (input: string, options: { readonly signal: AbortSignal }) => {
        max = Math.max(max, ++active);
        try {
          return await agent.run(input, options);
        } finally {
          active--;
        }
      },
    }));
    const [x, y, z2] = counted.map((agent, i) => agentStep({ id: `s${i}`, agent, limiter }));
    const runA = parallel([x as NonNullable<typeof x>, y as NonNullable<typeof y>])
      .toWorkflow()
      .start('a');
    const runB = (z2 as NonNullable<typeof z2>).toWorkflow().start('b');
    const calls = () => agents.reduce((n, agent) => n + agent.calls.length, 0);
    for (let n = 1; n <= 3; n++) {
      await until(() => calls() === n);
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(calls()).toBe(n);
      agents.find((agent) => agent.calls.length === 1 && agent.active === 1)?.calls[0]?.reply.resolve({ text: String(n) });
    }
    await Promise.all([runA.result, runB.result]);
    expect(max).toBe(1);
  });

  it('gives up on a call that outlives the graph’s default timeout, aborting its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const agent = new FakeAgent();
      const step = agentStep({ id: 'slow', agent });
      const workflow = new WorkflowBuilder({ name: 't', start: step }).setDefaults({ timeoutMs: 30_000 }).build();
      const run = workflow.start('x');
      await until(() => agent.calls.length === 1);
      vi.advanceTimersByTime(30_000);
      const error = await caught(() => run.result);
      expect((error as Error).message).toMatch(/timed out after 30000 ms/);
      expect(agent.calls[0]?.signal.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
