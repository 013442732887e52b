// Calls started together hold tokens first (ctx.budget.reserve), so a fan-out of agent calls cannot spend many
// times the budget before the first one reports its usage.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, MemoryCheckpointStore, WorkflowBuilder, agentStep, executor, parallel, type Agent, type AgentReply } from 'weft';
import { z } from 'zod';
import { caught, deferred, InFlight, until } from '../support/async.js';

/** An agent that uses `tokens` per call and counts calls in flight across every agent made with the same counter. */
function costly(tokens: number, inFlight: InFlight, calls: { count: number }): Agent {
  return {
    async run(input: string) {
      calls.count++;
      inFlight.enter();
      await Promise.resolve(); // report usage only after every call that could start has started
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.leave();
      return { text: input, usage: { tokens } };
    },
  };
}

/** 100 agent steps side by side; the run's one output is their replies, `null` for a refused one. */
const hundred = (make: (i: number) => ReturnType<typeof agentStep<string>>) =>
  parallel(
    Array.from({ length: 100 }, (_, i) => make(i)),
    { id: 'all', mode: 'settled' },
  ).toWorkflow();

describe('budget reservations', () => {
  it('100 parallel agent steps on a budget of 1,000 spend at most twice it (each call uses 700 tokens, none says so)', async () => {
    const inFlight = new InFlight();
    const calls = { count: 0 };
    const workflow = hundred((i) => agentStep({ id: `a${i}`, agent: costly(700, inFlight, calls) }));
    const result = await workflow.run('go', { budget: { tokens: 1000 } });
    expect(result.budget.spent).toBeLessThanOrEqual(2000);
    // The first call goes alone; its 700 tokens leave 300, so the second goes alone too; then nothing remains.
    expect(calls.count).toBe(2);
    expect(result.budget.spent).toBe(1400);
    expect(inFlight.max).toBe(1);
    expect((result.outputs[0] as unknown[]).filter((reply) => reply === null)).toHaveLength(98); // refused: BudgetExceededError
  });

  it('with an estimate, as many calls start at once as the remainder holds', async () => {
    const inFlight = new InFlight();
    const calls = { count: 0 };
    const workflow = hundred((i) => agentStep({ id: `a${i}`, agent: costly(100, inFlight, calls), estimate: 100 }));
    const result = await workflow.run('go', { budget: { tokens: 1000 } });
    expect(inFlight.max).toBe(10);
    expect(calls.count).toBe(10);
    expect(result.budget.spent).toBe(1000);
  });

  it('an estimate below the real usage is raised to the largest usage seen, so only the first wave overspends', async () => {
    const inFlight = new InFlight();
    const calls = { count: 0 };
    const workflow = hundred((i) =>
      agentStep({ id: `a${i}`, agent: costly(300, inFlight, calls), estimate: (prompt: string) => prompt.length * 25 }),
    );
    const result = await workflow.run('go', { budget: { tokens: 1000 } }); // 'go' → 50 tokens estimated, 300 used
    expect(result.budget.spent).toBeLessThanOrEqual(2 * 1000 * 3); // the first wave: 20 calls of 300
    expect(calls.count).toBeLessThan(100);
  });

  it('a hold waits for calls in flight, is refused once nothing remains, and gives up when its signal aborts', async () => {
    const store = new MemoryCheckpointStore();
    const gate = deferred();
    const seen: string[] = [];
    const step = executor({
      id: 'step',
      input: z.string(),
      concurrency: 3,
      handle: async (name, ctx) => {
        const hold = await ctx.budget.reserve({ tokens: 60 });
        seen.push(`${name} holds ${hold.tokens}`);
        if (name === 'a') {
          await gate.promise;
          hold.settle({ tokens: 100 });
        } else hold.release();
      },
    });
    const fan = executor({
      id: 'fan',
      input: z.string(),
      output: z.string(),
      handle: (_m, ctx) => ['a', 'b', 'c'].forEach((name) => ctx.send(name)),
    });
    const workflow = new WorkflowBuilder({ name: 'holds', start: fan }).addEdge(fan, step).build();
    const run = workflow.start('go', { budget: { tokens: 100 }, checkpoints: store });
    await until(() => seen.length === 1);
    expect(seen).toEqual(['a holds 60']); // b waits: 40 remain beside a's hold of 60
    gate.resolve();
    const error = await caught(() => run.result);
    expect((error as Error).cause).toBeInstanceOf(BudgetExceededError); // a spent all 100: b is refused
    expect(seen).toEqual(['a holds 60']);

    const aborted = new AbortController();
    const alone = new WorkflowBuilder({
      name: 'abort',
      start: executor({
        id: 'x',
        input: z.string(),
        handle: async (_m, ctx) => {
          const first = await ctx.budget.reserve({ tokens: 80 });
          const second = ctx.budget.reserve({ tokens: 80 }, { signal: aborted.signal });
          aborted.abort(new Error('gave up'));
          await expect(second).rejects.toThrow('gave up');
          first.release();
          ctx.output('ok');
        },
      }),
    }).build();
    expect((await alone.run('go', { budget: { tokens: 100 } })).outputs).toEqual(['ok']);
  });

  it('without a budget a hold is free and settling it charges the usage', async () => {
    const agent: Agent = { run: async (input: string): Promise<AgentReply> => ({ text: input, usage: { tokens: 5 } }) };
    const result = await hundred((i) => agentStep({ id: `a${i}`, agent: i === 0 ? agent : { run: agent.run } })).run('go');
    expect(result.budget).toEqual({ limit: null, spent: 500 });
  });
});
