// The run-wide token budget, through the helpers: one ledger for every branch and nested workflow, a soft cap,
// in RunResult and in checkpoints.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BudgetExceededError,
  MemoryCheckpointStore,
  WorkflowBuilder,
  agentStep,
  executor,
  parallel,
  pipeline,
  withApproval,
  type StageContext,
} from 'weft';
import { ofType, record, until } from '../support/async.js';
import { FakeAgent } from './helpers.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

describe('budget', () => {
  it('is shared by every parallel branch; calls in flight when it runs out finish, the next one is refused', async () => {
    const agents = [new FakeAgent(), new FakeAgent(), new FakeAgent()];
    const research = parallel(
      agents.map((agent, i) => agentStep({ id: `r${i}`, agent, estimate: 30 })), // 3 × 30 fit in 100: all three start at once
      { id: 'research' },
    );
    const writer = new FakeAgent((text) => ({ text, usage: { tokens: 1 } }));
    const write = agentStep({ id: 'write', agent: writer, prompt: (notes: string[]) => notes.join(' ') });
    const workflow = new WorkflowBuilder({ name: 'report', start: research }).addEdge(research, write).addEdge(write, sink).build();
    const run = workflow.start('topic', { budget: { tokens: 100 } });
    const recorded = record(run.events$);
    await until(() => agents.every((agent) => agent.calls.length === 1));
    agents[0]?.calls[0]?.reply.resolve({ text: 'a', usage: { tokens: 60 } }); // 40 left
    agents[1]?.calls[0]?.reply.resolve({ text: 'b', usage: { tokens: 60 } }); // accepted in full: -20 left, spent
    agents[2]?.calls[0]?.reply.resolve({ text: 'c', usage: { tokens: 60 } }); // in flight: finishes, and its usage is still recorded
    const { events, error } = await recorded;
    expect(error).toBeUndefined();
    const failure = await run.result.catch((e: unknown) => e);
    expect((failure as Error).cause).toBeInstanceOf(BudgetExceededError);
    expect(writer.calls).toHaveLength(0); // refused before calling
    // The ledger stays true: the in-flight call's 60 tokens count (180), and only new work is refused.
    expect(ofType(events, 'budget.exceeded').map((e) => [e.executorId, e.refused, e.spent])).toEqual([
      [expect.stringMatching(/^r[01]$/), false, 120],
      ['write', true, 180],
    ]);
    // each event names the full path down to the executor that charged, through the parallel node and its branch
    const paths = ofType(events, 'budget.exceeded').map((e) => e.path);
    expect(paths[0]?.[0]).toBe('research');
    expect(paths[0]?.at(-1)).toMatch(/^r[01]$/);
    expect(paths[1]).toEqual(['write']);
    // All three branches finished: the parallel node sent its tuple before the writer was refused.
    expect(ofType(events, 'executor.completed').some((e) => e.executorId === 'research')).toBe(true);
  });

  it('shows the ledger in RunResult: limit and everything charged, nested workflows included', async () => {
    const inner = agentStep({ id: 'inner', agent: new FakeAgent((text) => ({ text, usage: { tokens: 7 } })) });
    const child = new WorkflowBuilder({ name: 'child', start: inner, output: z.string() }).addEdge(inner, sink).build().asExecutor({ id: 'child' });
    let seenInside = -1;
    const outer = agentStep({
      id: 'outer',
      agent: new FakeAgent((text) => ({ text, usage: { tokens: 5 } })),
      reply: (reply) => reply.text,
    });
    const look = executor({
      id: 'look',
      input: z.string(),
      output: z.string(),
      handle: (text, ctx) => {
        seenInside = ctx.budget.remaining;
        ctx.send(text);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'nested', start: outer }).addEdge(outer, child).addEdge(child, look).addEdge(look, sink).build();
    const result = await workflow.run('hi', { budget: { tokens: 50 } });
    expect(result.outputs).toEqual(['hi']);
    expect(result.budget).toEqual({ limit: 50, spent: 12 });
    expect(seenInside).toBe(38);
  });

  it('is refused inside a nested workflow once the parent spent it', async () => {
    const spend = agentStep({ id: 'spend', agent: new FakeAgent((text) => ({ text, usage: { tokens: 10 } })) });
    const agent = new FakeAgent((text) => ({ text }));
    const inner = agentStep({ id: 'inner', agent });
    const child = new WorkflowBuilder({ name: 'child', start: inner }).addEdge(inner, sink).build().asExecutor({ id: 'child' });
    const workflow = new WorkflowBuilder({ name: 'nested', start: spend }).addEdge(spend, child).build();
    const { events, error } = await record(workflow.stream('hi', { budget: { tokens: 10 } }));
    expect(error).toBeDefined();
    expect(agent.calls).toHaveLength(0);
    expect(ofType(events, 'budget.exceeded').map((e) => [e.executorId, e.refused])).toEqual([
      ['spend', false],
      ['inner', true],
    ]);
  });

  it('is charged by pipeline stages, which share it with everything else', async () => {
    const node = pipeline([
      (n: number, ctx: StageContext) => {
        ctx.budget.charge({ tokens: n });
        return n;
      },
    ]);
    const result = await node.toWorkflow().run([1, 2, 3], { budget: { tokens: 100 } });
    expect(result.budget).toEqual({ limit: 100, spent: 6 });
  });

  it('is kept in checkpoints: a run resumed after an approval goes on from what was spent', async () => {
    const store = new MemoryCheckpointStore();
    const make = () => {
      const draft = agentStep({ id: 'draft', agent: new FakeAgent((text) => ({ text: `draft of ${text}`, usage: { tokens: 40 } })) });
      const send = withApproval(agentStep({ id: 'send', agent: new FakeAgent((text) => ({ text: `sent ${text}`, usage: { tokens: 40 } })) }), {
        describe: (text) => `Send "${text}"?`,
      });
      return new WorkflowBuilder({ name: 'mail', start: draft }).addEdge(draft, send).addEdge(send, sink).build();
    };
    const waiting = await make().run('hello', { checkpoints: store, budget: { tokens: 100 } });
    expect(waiting.status).toBe('waiting');
    expect(waiting.budget).toEqual({ limit: 100, spent: 40 });
    const stored = await store.latest(waiting.runId);
    expect(JSON.parse(stored?.data ?? '{}').budget).toEqual({ limit: 100, spent: 40 });
    const request = waiting.pendingRequests[0];
    const done = await make().resume(waiting.checkpointId as string, {
      checkpoints: store,
      responses: { [request?.id as string]: { approved: true } },
    });
    expect(done.outputs).toEqual(['sent draft of hello']);
    expect(done.budget).toEqual({ limit: 100, spent: 80 });
  });
});
