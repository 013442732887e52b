// See docs/guides/orchestration.md — mapItems: a list known at run time, fanned out to one executor, gathered in order.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore, WorkflowBuilder, executor, fromFunction, isWeftError, mapItems } from 'weft';
import { InFlight, deferred } from '../support/async.js';

describe('mapItems', () => {
  it('maps every item and gathers the results in input order, whatever order they finish in', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const squares = mapItems(
      async (n: number, { index }) => {
        if (index === 0) await gates[0]?.promise;
        order.push(index);
        if (index === 2) gates[0]?.resolve();
        return n * n;
      },
      { concurrency: 3 },
    );
    const { outputs } = await squares.run([2, 3, 4]);
    expect(outputs).toEqual([[4, 9, 16]]);
    expect(order).toEqual([1, 2, 0]);
  });

  it('gathers an empty list as an empty array', async () => {
    expect((await mapItems((n: number) => n).run([])).outputs).toEqual([[]]);
  });

  it('keeps at most `concurrency` items in flight', async () => {
    const inFlight = new InFlight();
    const mapped = mapItems(
      async (n: number) => {
        inFlight.enter();
        await new Promise<void>((resolve) => setImmediate(resolve));
        inFlight.leave();
        return n + 1;
      },
      { concurrency: 2 },
    );
    const { outputs } = await mapped.run([1, 2, 3, 4, 5]);
    expect(outputs).toEqual([[2, 3, 4, 5, 6]]);
    expect(inFlight.max).toBe(2);
  });

  it('is typed: items in, an array of results out, and connects like any graph', async () => {
    const split = executor({ id: 'split', input: z.string(), output: z.array(z.string()), handle: (text, ctx) => ctx.send(text.split(' ')) });
    const lengths = mapItems((word: string) => word.length, { name: 'lengths' });
    const total = fromFunction('total', (values: number[]) => values.reduce((a, b) => a + b, 0));
    const sink = executor({ id: 'sink', input: z.number(), handle: (n, ctx) => ctx.output(n) });
    const builder = new WorkflowBuilder({ name: 'words', start: split });
    const { entry, exit } = builder.addWorkflow(lengths, { prefix: 'lengths' });
    const workflow = builder.addEdge(split, entry).addEdge(exit, total).addEdge(total, sink).build();
    expect((await workflow.run('a bb ccc')).outputs).toEqual([6]);
  });

  it('keeps finished items in checkpoints: a resumed run maps only the rest', async () => {
    const store = new MemoryCheckpointStore();
    const calls: number[] = [];
    let failOnce = true;
    const mapped = mapItems(
      (n: number, { index }) => {
        calls.push(index);
        if (index === 3 && failOnce) {
          failOnce = false;
          throw new Error('item 3 failed');
        }
        return n * 10;
      },
      { concurrency: 1 },
    );
    const failure = await mapped.run([1, 2, 3, 4, 5], { checkpoints: store }).catch((error: unknown) => error);
    expect(isWeftError(failure) && failure.code).toBe('executor_failed');
    expect(calls).toEqual([0, 1, 2, 3]);

    const runId = isWeftError(failure) ? failure.runId : undefined;
    expect(runId).toBeDefined();
    const latest = await store.latest(runId as string);
    expect(latest).toBeDefined();
    const result = await mapped.resume((latest as { id: string }).id, { checkpoints: store });
    expect(result.outputs).toEqual([[10, 20, 30, 40, 50]]);
    expect(calls).toEqual([0, 1, 2, 3, 3, 4]);
  });

  it('refuses a bad concurrency', () => {
    expect(() => mapItems((n: number) => n, { concurrency: 0 })).toThrow('mapItems "map": concurrency must be an integer ≥ 1, got 0.');
  });
});
