// parallel(): a barrier over branches, results in branch order; 'settled' turns a failed branch into null.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  MemoryCheckpointStore,
  RunCancelledError,
  WorkflowBuilder,
  executor,
  fromFunction,
  parallel,
  withApproval,
  type ApprovalRequest,
} from 'weft';
import { Gates, InFlight, caught, ofType, record, tick, until } from '../support/async.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

/** A branch that waits for the test to open its gate, then returns `value`. */
function gated<T>(gates: Gates, id: string, value: T, inFlight?: InFlight) {
  return fromFunction(id, async (_input: string) => {
    inFlight?.enter();
    try {
      await gates.wait(id);
      return value;
    } finally {
      inFlight?.leave();
    }
  });
}

describe('parallel', () => {
  it('with no branches sends an empty tuple', async () => {
    const none = parallel([]);
    const result = await none.toWorkflow().run('anything');
    expect(result.outputs).toEqual([[]]);
  });

  it('with one branch sends a one-element tuple', async () => {
    const one = parallel([(text: string) => text.length]);
    const result = await one.toWorkflow().run('four');
    expect(result.outputs).toEqual([[4]]);
  });

  it('runs many branches at once and sends their results in branch order, whatever order they finish in', async () => {
    const gates = new Gates();
    const inFlight = new InFlight();
    const fan = parallel([gated(gates, 'a', 'A', inFlight), gated(gates, 'b', 'B', inFlight), gated(gates, 'c', 'C', inFlight)], { id: 'fan' });
    const workflow = new WorkflowBuilder({ name: 'host', start: fan }).addEdge(fan, sink).build();
    const run = workflow.start('go');
    await until(() => inFlight.current === 3);
    gates.open('c');
    gates.open('a');
    gates.open('b');
    const result = await run.result;
    expect(inFlight.max).toBe(3);
    expect(result.outputs).toEqual([['A', 'B', 'C']]);
  });

  it('is a barrier: the next executor runs once, after every branch', async () => {
    const gates = new Gates();
    const fan = parallel([gated(gates, 'slow', 1), gated(gates, 'fast', 2)]);
    let seen = 0;
    const after = executor({
      id: 'after',
      input: z.tuple([z.number(), z.number()]),
      handle: (pair, ctx) => {
        seen++;
        ctx.output(pair);
      },
    });
    const run = new WorkflowBuilder({ name: 'host', start: fan }).addEdge(fan, after).build().start('go');
    gates.open('fast');
    for (let i = 0; i < 20; i++) await tick();
    expect(seen).toBe(0);
    gates.open('slow');
    expect((await run.result).outputs).toEqual([[1, 2]]);
    expect(seen).toBe(1);
  });

  it('caps branches in flight at `concurrency`', async () => {
    const gates = new Gates();
    const inFlight = new InFlight();
    const ids = ['a', 'b', 'c', 'd'];
    const fan = parallel(
      ids.map((id) => gated(gates, id, id, inFlight)),
      { concurrency: 2 },
    );
    const run = fan.toWorkflow().start('go');
    await until(() => inFlight.current === 2);
    for (const id of ids) {
      gates.open(id);
      await until(() => inFlight.current <= 2);
    }
    expect((await run.result).outputs).toEqual([ids]);
    expect(inFlight.max).toBe(2);
  });

  it("in 'all' mode fails when a branch fails, naming it", async () => {
    const fan = parallel(
      [
        (n: number) => n + 1,
        fromFunction('broken', (_n: number): number => {
          throw new Error('boom');
        }),
      ],
      { id: 'fan' },
    );
    const error = await caught(() => fan.toWorkflow().run(1));
    expect(error).toBeInstanceOf(ExecutorError);
    expect(String((error as Error).message)).toContain('boom');
  });

  it("in 'settled' mode gives null for a failed branch, with its executor.failed event, and keeps the others", async () => {
    const fan = parallel(
      [
        (n: number) => n + 1,
        fromFunction('broken', (_n: number): number => {
          throw new Error('boom');
        }),
        (n: number) => n * 10,
      ],
      { id: 'fan', mode: 'settled' },
    );
    const workflow = new WorkflowBuilder({ name: 'host', start: fan }).addEdge(fan, sink).build();
    const { events, error } = await record(workflow.stream(1));
    expect(error).toBeUndefined();
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual([[2, null, 10]]);
    const failed = ofType(events, 'executor.failed');
    expect(failed.map((e) => e.path.join('/'))).toEqual(['fan/broken/broken']);
    expect(failed[0]?.error.message).toContain('boom');
    const phases = ofType(events, 'phase.completed').map((e) => [e.name, e.ok]);
    expect(phases).toEqual(
      expect.arrayContaining([
        ['broken', false],
        ['branch-1', true],
      ]),
    );
  });

  it("in 'settled' mode still retries a branch before giving up on it", async () => {
    let attempts = 0;
    const flaky = fromFunction(
      'flaky',
      (n: number) => {
        attempts++;
        if (attempts === 1) throw new Error('transient');
        return n;
      },
      { retry: { attempts: 2 } },
    );
    const result = await parallel([flaky], { mode: 'settled' }).toWorkflow().run(7);
    expect(result.outputs).toEqual([[7]]);
    expect(attempts).toBe(2);
  });

  it('stops every branch when the run is cancelled midway, in either mode', async () => {
    for (const mode of ['all', 'settled'] as const) {
      const signals: AbortSignal[] = [];
      const waiting = (id: string) =>
        fromFunction(id, (_input: string, ctx) => {
          signals.push(ctx.signal);
          return new Promise<string>(() => undefined); // never settles on its own
        });
      const run = parallel([waiting('a'), waiting('b')], { mode })
        .toWorkflow()
        .start('go');
      await until(() => signals.length === 2);
      run.cancel();
      expect(await caught(() => run.result)).toBeInstanceOf(RunCancelledError);
      expect(signals.every((signal) => signal.aborted)).toBe(true);
    }
  });

  it('takes workflows as branches, and runs its branches as child runs whose events carry their path', async () => {
    const double = fromFunction('double', (n: number) => n * 2);
    const sub = new WorkflowBuilder({ name: 'sub', start: double })
      .addEdge(double, executor({ id: 'out', input: z.number(), handle: (n, ctx) => ctx.output(n + 1) }))
      .build();
    const fan = parallel([sub, (n: number) => -n], { id: 'fan' });
    const { events } = await record(fan.toWorkflow().stream(5));
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual([[11, -5]]);
    expect(ofType(events, 'executor.completed').map((e) => e.path.join('/'))).toEqual(expect.arrayContaining(['sub/double', 'branch-2/branch-2']));
  });

  it('rejects branches whose ids clash, before building anything', () => {
    const a = fromFunction('same', (n: number) => n);
    const b = fromFunction('same', (n: number) => n + 1);
    expect(() => parallel([a, b])).toThrow(/two steps are called "same"/);
    expect(() => parallel([fromFunction('gather', (n: number) => n)])).toThrow(/may not be called "gather"/);
    expect(() => parallel([], { concurrency: 0 })).toThrow(/concurrency/);
  });

  it('resumes from a checkpoint while a branch waits for an approval, and finishes with every result', async () => {
    const store = new MemoryCheckpointStore();
    let refunds = 0;
    const refund = withApproval(
      fromFunction('refund', (amount: number) => {
        refunds++;
        return `refunded ${amount}`;
      }),
      { describe: (amount) => `Refund ${amount}?` },
    );
    const make = () => {
      const fan = parallel([refund, (amount: number) => `noted ${amount}`], { id: 'fan' });
      return new WorkflowBuilder({ name: 'host', start: fan }).addEdge(fan, sink).build();
    };
    const waiting = await make().run(30, { checkpoints: store });
    expect(waiting.status).toBe('waiting');
    expect(refunds).toBe(0);
    const [request] = waiting.pendingRequests as ApprovalRequest[];
    expect(request?.path).toEqual(['fan', 'refund', 'refund']);
    expect(request?.payload).toMatchObject({ kind: 'approval', executorId: 'refund', description: 'Refund 30?', input: 30 });

    // A new process: a freshly built, identical workflow, and the checkpoint from the store.
    const resumed = await make().resume(waiting.checkpointId as string, {
      checkpoints: store,
      responses: { [request?.id as string]: { approved: true } },
    });
    expect(resumed.status).toBe('completed');
    expect(resumed.outputs).toEqual([['refunded 30', 'noted 30']]);
    expect(refunds).toBe(1);
  });

  it('takes a rejected approval in a branch as that branch’s result, unless onReject says otherwise', async () => {
    const refund = (onReject?: 'null') =>
      withApproval(
        fromFunction('refund', (amount: number) => `refunded ${amount}`),
        {
          describe: (amount) => `Refund ${amount}?`,
          ...(onReject === undefined
            ? {}
            : {
                onReject: () => {
                  throw new Error('declined');
                },
              }),
        },
      );
    for (const variant of [undefined, 'null'] as const) {
      const run = parallel([refund(variant), (amount: number) => `noted ${amount}`], { mode: 'settled' })
        .toWorkflow()
        .start(30);
      await until(() => run.pendingRequests.length === 1);
      await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'no' });
      const [results] = (await run.result).outputs;
      expect(results).toEqual(
        variant === undefined ? [{ kind: 'approval.rejected', executorId: 'refund', input: 30, reason: 'no' }, 'noted 30'] : [null, 'noted 30'],
      );
    }
  });

  it('is a small graph of its own', () => {
    const fan = parallel([(n: number) => n, (n: number) => n + 1], { id: 'fan' });
    const workflow = fan.toWorkflow();
    expect(workflow.name).toBe('fan');
    expect(workflow.describe().executors.map((e) => e.id)).toEqual(['dispatch', 'branch-1', 'branch-2', 'gather']);
    expect(fan.kind).toBe('workflow');
    expect(fan.workflow?.signature).toBe(workflow.signature);
  });
});
