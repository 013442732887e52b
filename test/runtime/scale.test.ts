// Long and wide runs: many supersteps without stack growth, many concurrent runs of one workflow.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { Gates, tick } from './helpers.js';

describe('scale', () => {
  it('runs a 100,000-superstep loop of two alternating executors without overflowing the stack', async () => {
    const make = (id: string) =>
      executor({
        id,
        input: z.number(),
        output: z.number(),
        handle: (n, ctx) => {
          if (n < 100_000) ctx.send(n + 1);
          else ctx.output(`${id} got ${n} in superstep ${ctx.superstep}`);
        },
      });
    const [even, odd] = [make('even'), make('odd')];
    const workflow = new WorkflowBuilder({ name: 'long', start: even, maxSupersteps: 200_000 }).addEdge(even, odd).addEdge(odd, even).build();

    const result = await workflow.run(1);

    expect(result.supersteps).toBe(100_000);
    expect(result.outputs).toEqual(['odd got 100000 in superstep 100000']);
  });

  it('runs one workflow many times concurrently, each run with its own outputs', async () => {
    const gates = new Gates();
    const double = executor({
      id: 'double',
      input: z.number(),
      output: z.number(),
      handle: async (n, ctx) => {
        await gates.wait(`double-${n % 4}`);
        ctx.send(n * 2);
      },
    });
    const report = executor({
      id: 'report',
      input: z.number(),
      handle: async (n, ctx) => {
        await gates.wait(`report-${n % 3}`);
        ctx.output({ runId: ctx.runId, value: n });
      },
    });
    const workflow = new WorkflowBuilder({ name: 'concurrent', start: double }).addEdge(double, report).build();

    const inputs = Array.from({ length: 100 }, (_, index) => index);
    const runs = Promise.all(inputs.map((n) => workflow.run(n)));
    // Release the runs in an order unrelated to their start order.
    for (const gate of ['double-3', 'report-1', 'double-0', 'report-2', 'double-2', 'report-0', 'double-1']) {
      gates.open(gate);
      await tick();
    }
    const results = await runs;

    expect(results.map((result) => result.outputs)).toEqual(results.map((result, index) => [{ runId: result.runId, value: 2 * index }]));
    expect(new Set(results.map((result) => result.runId)).size).toBe(100);
  });
});
