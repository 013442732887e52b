// A nested workflow node runs only when the engine dispatched it: its handler reaches the run through the ctx it was given.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor, fromWorkflow } from 'weft';

describe('a nested workflow node', () => {
  const inner = executor({ id: 'inner', input: z.number(), handle: (n, ctx) => ctx.output(n) });
  const child = new WorkflowBuilder({ name: 'child', start: inner }).build();

  it('called by hand, outside a run, fails with an error that says so', async () => {
    const node = fromWorkflow(child, { id: 'nested' });
    await expect(Promise.resolve().then(() => node.handle(1, {} as never))).rejects.toThrow(
      'Nested workflow "nested" can only run inside a weft run, with the ctx its node was given.',
    );
  });

  it('wrapped by another executor that passes its ctx on, runs the child', async () => {
    const node = fromWorkflow(child, { id: 'nested', outputs: 'output' });
    const wrapped = { ...node, handle: (n: number, ctx: Parameters<typeof node.handle>[1]) => node.handle(n + 1, ctx) };
    const workflow = new WorkflowBuilder({ name: 'outer', start: wrapped }).build();
    expect((await workflow.run(1)).outputs).toEqual([2]);
  });
});
