// loop(): body until a condition, with a mandatory maxIterations whose end is a typed outcome.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  MemoryCheckpointStore,
  RunCancelledError,
  WorkflowBuilder,
  executor,
  fromFunction,
  loop,
  withApproval,
  type ApprovalRequest,
  type LoopResult,
} from 'weft';
import { caught, ofType, record, until } from '../support/async.js';

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

describe('loop', () => {
  it('runs the body once when until holds at once', async () => {
    const result = await loop((n: number) => n + 1, { until: () => true, maxIterations: 3 })
      .toWorkflow()
      .run(0);
    expect(result.outputs).toEqual([{ value: 1, iterations: 1, reason: 'until' } satisfies LoopResult<number>]);
  });

  it('feeds the body its own result until `until` holds', async () => {
    const seen: [number, number][] = [];
    const counter = loop((n: number) => n * 2, {
      until: (n, iteration) => {
        seen.push([n, iteration]);
        return n >= 100;
      },
      maxIterations: 20,
    });
    const result = await counter.toWorkflow().run(3);
    expect(result.outputs).toEqual([{ value: 192, iterations: 6, reason: 'until' }]);
    expect(seen).toEqual([
      [6, 1],
      [12, 2],
      [24, 3],
      [48, 4],
      [96, 5],
      [192, 6],
    ]);
  });

  it('ends with reason maxIterations, and the last value, when until never holds', async () => {
    const result = await loop((n: number) => n + 1, { until: () => false, maxIterations: 4 })
      .toWorkflow()
      .run(0);
    expect(result.outputs).toEqual([{ value: 4, iterations: 4, reason: 'maxIterations' }]);
  });

  it('refuses to be built without a positive integer maxIterations', () => {
    const body = (n: number) => n;
    expect(() => loop(body, { until: () => false } as never)).toThrow(/needs maxIterations/);
    expect(() => loop(body, { until: () => false, maxIterations: 0 })).toThrow(/needs maxIterations/);
    expect(() => loop(body, { until: () => false, maxIterations: 1.5 })).toThrow(/needs maxIterations/);
    expect(() => loop(body, { maxIterations: 2 } as never)).toThrow(/until/);
  });

  it('fails when the body fails, after its retries', async () => {
    let calls = 0;
    const body = fromFunction(
      'step',
      (n: number) => {
        calls++;
        if (n === 2) throw new Error('cannot go past two');
        return n + 1;
      },
      { retry: { attempts: 2 } },
    );
    const error = await caught(() =>
      loop(body, { until: () => false, maxIterations: 5 })
        .toWorkflow()
        .run(0),
    );
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as Error).message).toContain('cannot go past two');
    expect(calls).toBe(4); // 0 → 1, 1 → 2, then two failed attempts on 2
  });

  it('fails, rather than forks, when the body sends two messages for one input', async () => {
    const body = executor({ id: 'twice', input: z.number(), output: z.number(), handle: (n, ctx) => (ctx.send(n), ctx.send(n)) });
    const error = await caught(() =>
      loop(body, { until: () => false, maxIterations: 5 })
        .toWorkflow()
        .run(0),
    );
    expect((error as Error).message).toMatch(/sent more than one message/);
  });

  it('stops midway when the run is cancelled', async () => {
    const signals: AbortSignal[] = [];
    const body = fromFunction('step', (n: number, ctx): number | Promise<number> => {
      signals.push(ctx.signal);
      return n < 2 ? n + 1 : new Promise<number>(() => undefined);
    });
    const run = loop(body, { until: () => false, maxIterations: 10 })
      .toWorkflow()
      .start(0);
    await until(() => signals.length === 3);
    run.cancel();
    expect(await caught(() => run.result)).toBeInstanceOf(RunCancelledError);
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(signals).toHaveLength(3);
  });

  it('marks each iteration as a phase and reports every check', async () => {
    const counter = loop((n: number) => n + 1, { id: 'count', until: (n) => n === 3, maxIterations: 5 });
    const { events } = await record(new WorkflowBuilder({ name: 'host', start: counter }).addEdge(counter, sink).build().stream(0));
    expect(ofType(events, 'phase.started').map((e) => `${e.path.join('/')} ${e.name}`)).toEqual([
      'count/body iteration 1',
      'count/body iteration 2',
      'count/body iteration 3',
    ]);
    const checks = ofType(events, 'custom')
      .filter((e) => e.name === 'loop.iteration')
      .map((e) => e.data);
    expect(checks).toEqual([
      { iteration: 1, maxIterations: 5, done: false },
      { iteration: 2, maxIterations: 5, done: false },
      { iteration: 3, maxIterations: 5, done: true, reason: 'until' },
    ]);
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual([{ value: 3, iterations: 3, reason: 'until' }]);
  });

  it('takes a workflow as its body', async () => {
    const inc = fromFunction('inc', (n: number) => n + 1);
    const body = new WorkflowBuilder({ name: 'body', start: inc, output: z.number() })
      .addEdge(inc, executor({ id: 'emit', input: z.number(), handle: (n, ctx) => ctx.output(n * 10) }))
      .build();
    const result = await loop(body, { until: (n) => n > 100, maxIterations: 5 })
      .toWorkflow()
      .run(1);
    expect(result.outputs).toEqual([{ value: 210, iterations: 2, reason: 'until' }]); // 1 → 20 → 210
  });

  it('resumes from a checkpoint while its body waits for an approval, in another process, keeping the iteration count', async () => {
    const store = new MemoryCheckpointStore();
    let runs = 0;
    const make = () => {
      const step = withApproval(
        fromFunction('step', (n: number) => {
          runs++;
          return n + 1;
        }),
        { describe: (n) => `Go from ${n} to ${n + 1}?` },
      );
      const counter = loop(step, { id: 'count', until: (n) => n >= 3, maxIterations: 3 });
      return new WorkflowBuilder({ name: 'host', start: counter }).addEdge(counter, sink).build();
    };
    let result = await make().run(1, { checkpoints: store });
    const asked: string[] = [];
    while (result.status === 'waiting') {
      const request = result.pendingRequests[0] as ApprovalRequest;
      asked.push(request.payload.description);
      expect(request.path).toEqual(['count', 'step']);
      result = await make().resume(result.checkpointId as string, { checkpoints: store, responses: { [request.id]: { approved: true } } });
    }
    expect(asked).toEqual(['Go from 1 to 2?', 'Go from 2 to 3?']);
    expect(runs).toBe(2);
    expect(result.outputs).toEqual([{ value: 3, iterations: 2, reason: 'until' }]);
  });

  it('fails, rather than send a rejection as its result, when an approval in its body is refused without onReject', async () => {
    const step = withApproval(
      fromFunction('step', (n: number) => n + 1),
      { describe: (n) => `${n}?` },
    );
    const run = loop(step, { until: () => false, maxIterations: 3 })
      .toWorkflow()
      .start(1);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'no' });
    const error = await caught(() => run.result);
    expect((error as Error).message).toMatch(
      /The approval of "step" was rejected \("no"\)\. Without onReject a rejection becomes a run output, which the workflow's output schema refuses\./,
    );
  });

  it('goes on when onReject sends the unchanged value for the next iteration', async () => {
    const step = withApproval(
      fromFunction('step', (n: number) => n + 1),
      { describe: (n) => `${n}?`, onReject: (rejection, ctx) => ctx.send(rejection.input) },
    );
    const run = loop(step, { until: () => false, maxIterations: 2 })
      .toWorkflow()
      .start(1);
    await until(() => run.pendingRequests.length === 1);
    const first = run.pendingRequests[0] as ApprovalRequest;
    await run.respond(first.id, { approved: false });
    // Iteration 2 asks again, about the unchanged value.
    await until(() => run.pendingRequests.length === 1 && run.pendingRequests[0]?.id !== first.id);
    expect((run.pendingRequests[0] as ApprovalRequest).payload.description).toBe('1?');
    await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
    expect((await run.result).outputs).toEqual([{ value: 2, iterations: 2, reason: 'maxIterations' }]);
  });
});
