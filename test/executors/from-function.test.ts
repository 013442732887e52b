import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  executor,
  ExecutorError,
  fromFunction,
  isEventType,
  MessageValidationError,
  WorkflowBuilder,
  type AnyExecutor,
  type WorkflowEvent,
} from 'weft';

/** start sends every element of its input array to `fn`, whose messages a sink turns into outputs. */
function around(fn: AnyExecutor) {
  const start = executor({
    id: 'start',
    input: z.array(z.unknown()),
    output: z.unknown(),
    handle: (items, ctx) => items.forEach((item) => ctx.send(item)),
  });
  const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });
  return new WorkflowBuilder({ name: 'around', start }).addEdge(start, fn).addEdge(fn, sink).build();
}

const eventsOf = (events: readonly WorkflowEvent[], type: WorkflowEvent['type']): WorkflowEvent[] => events.filter((e) => e.type === type);

describe('fromFunction()', () => {
  it('sends the return value along the outgoing edges', async () => {
    const result = await around(fromFunction('double', (n: number) => n * 2)).run([1, 2, 3]);
    expect(result.outputs).toEqual([2, 4, 6]);
  });

  it('sends nothing when the function returns undefined', async () => {
    const workflow = around(fromFunction('evens', (n: number) => (n % 2 === 0 ? n : undefined)));
    const events = await lastValueFrom(workflow.stream([1, 2, 3, 4]).pipe(toArray()));
    expect(events.filter(isEventType('run.completed'))[0]?.outputs).toEqual([2, 4]);
    expect(events.filter(isEventType('executor.invoked')).filter((e) => e.executorId === 'sink')).toHaveLength(2);
    expect(eventsOf(events, 'message.dropped')).toEqual([]);
  });

  it('sends every other falsy value: 0, "", false and null', async () => {
    const result = await around(fromFunction('same', (value: unknown) => value)).run([0, '', false, null, undefined]);
    expect(result.outputs).toEqual([0, '', false, null]);
  });

  it('awaits an async function and sends what it resolves to', async () => {
    const result = await around(fromFunction('inc', async (n: number) => n + 1)).run([1, 2]);
    expect(result.outputs).toEqual([2, 3]);
  });

  it('sends nothing when an async function resolves to undefined', async () => {
    const result = await around(fromFunction('none', async (n: number) => (n > 1 ? `kept ${n}` : undefined))).run([1, 2]);
    expect(result.outputs).toEqual(['kept 2']);
  });

  it('sends an array result as one message', async () => {
    const result = await around(fromFunction('pair', (n: number) => [n, n])).run([7]);
    expect(result.outputs).toEqual([[7, 7]]);
  });

  it('passes the context, so the function can also output and send', async () => {
    const both = fromFunction('both', (n: number, ctx) => {
      ctx.output(`seen ${n}`);
      ctx.send(n * 100);
      return n;
    });
    const result = await around(both).run([1]);
    expect(result.outputs).toEqual(['seen 1', 100, 1]);
  });

  it('fails the run when the function throws or rejects', async () => {
    await expect(
      around(
        fromFunction('boom', (): number => {
          throw new Error('kaput');
        }),
      ).run([1]),
    ).rejects.toSatisfy((error) => error instanceof ExecutorError && error.executorId === 'boom' && /kaput/.test(error.message));
    await expect(
      around(fromFunction('later', async (): Promise<number> => Promise.reject(new Error('async kaput')))).run([1]),
    ).rejects.toBeInstanceOf(ExecutorError);
  });

  it('validates delivered messages against its input schema when given one', async () => {
    const strict = fromFunction('strict', (n: number) => n, { input: z.number() });
    await expect(around(strict).run(['not a number'])).rejects.toSatisfy(
      (error) => error instanceof MessageValidationError && error.sourceId === 'start' && error.targetId === 'strict',
    );
    await expect(around(strict).run([5])).resolves.toMatchObject({ outputs: [5] });
  });
});
