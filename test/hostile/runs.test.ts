// The run-level repros of issue 11, in process: a taken runId, a run without input, an answer that misfits the
// request's own schema given through resume(), and an event that JSON cannot hold.
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createRuntime,
  executor,
  isWeftError,
  MemoryCheckpointStore,
  MemoryRunStore,
  RunExistsError,
  withApproval,
  WorkflowBuilder,
  type WorkflowEvent,
} from 'weft';
import { serializeEvent } from '../../src/service/serialize.js';
import { caught } from '../support/async.js';

const echo = new WorkflowBuilder({ name: 'echo', start: executor({ id: 'echo', input: z.number(), handle: (n, ctx) => ctx.output(n) }) }).build();

/** Asks with its own response schema only; outputs the answer. */
const askWorkflow = () =>
  new WorkflowBuilder({
    name: 'ask',
    start: executor({
      id: 'ask',
      input: z.unknown(),
      handle: (_input, ctx) => void ctx.request({ question: 'ok?' }, { response: z.object({ ok: z.boolean() }) }),
      onResponse: (answer: unknown, _request, ctx) => ctx.output(answer),
    }),
  }).build();

describe('run ids', () => {
  it('a new run refuses a runId that already has checkpoints in the store (run_exists); resuming it is how to go on', async () => {
    const store = new MemoryCheckpointStore();
    const first = await echo.run(1, { runId: 'same', checkpoints: store });
    const error = await caught(() => echo.run(2, { runId: 'same', checkpoints: store }));
    expect(error).toBeInstanceOf(RunExistsError);
    expect(isWeftError(error) && error.code).toBe('run_exists');
    expect((error as Error).message).toMatch(/Run "same" already has checkpoints in this store.*workflow\.resume/);
    // The store holds one run's history only: resuming its latest checkpoint gives its outputs.
    expect((await store.latest('same'))?.id).toBe(first.checkpointId);
    expect((await echo.resume(first.checkpointId as string, { checkpoints: store })).outputs).toEqual([1]);
    // Without a store there is nothing to mix, and other ids are free.
    expect((await echo.run(3, { runId: 'same' })).outputs).toEqual([3]);
    expect((await echo.run(4, { runId: 'other', checkpoints: store })).outputs).toEqual([4]);
  });
});

describe('runs without an input', () => {
  it('are resumed and answered: a missing payload in a checkpoint is read back as undefined', async () => {
    const workflow = askWorkflow();
    const store = new MemoryCheckpointStore();
    const waiting = await workflow.run(undefined, { checkpoints: store });
    expect(waiting.status).toBe('waiting');
    const done = await workflow.resume(waiting.checkpointId as string, {
      checkpoints: store,
      responses: { [waiting.pendingRequests[0]?.id as string]: { ok: true } },
    });
    expect(done).toMatchObject({ status: 'completed', outputs: [{ ok: true }] });
  });

  it('are answered through a runtime too', async () => {
    const runtime = createRuntime({ workflows: { ask: askWorkflow() }, store: new MemoryRunStore() });
    const { runId, run: result } = await runtime.invoke('ask', undefined, { wait: true });
    await runtime.respond(runId, result?.pendingRequests[0]?.id as string, { ok: false });
    await lastValueFrom(runtime.events(runId), { defaultValue: undefined }); // completes once the run has ended
    expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: [{ ok: false }] });
    await runtime.close();
  });
});

describe('answers given to resume()', () => {
  it("are checked against the request's own response schema, as respond() checks them", async () => {
    const workflow = askWorkflow();
    const store = new MemoryCheckpointStore();
    const waiting = await workflow.run(1, { checkpoints: store });
    const requestId = waiting.pendingRequests[0]?.id as string;
    const refused = await caught(() =>
      workflow.resume(waiting.checkpointId as string, { checkpoints: store, responses: { [requestId]: 'not an object' } }),
    );
    expect(isWeftError(refused) && refused.code).toBe('request_invalid');
    expect((refused as Error).message).toMatch(/does not match its response schema/);
    // And a fitting answer goes through.
    const done = await workflow.resume(waiting.checkpointId as string, { checkpoints: store, responses: { [requestId]: { ok: true } } });
    expect(done.outputs).toEqual([{ ok: true }]);
  });
});

describe('approvals answered through a runtime', () => {
  it('refuse a non-decision (the request asked for one) even when the wrapped executor takes other answers; the run still waits', async () => {
    const pay = executor({
      id: 'pay',
      input: z.object({ amount: z.number() }),
      response: z.string(),
      handle: (m, ctx) => ctx.output(`paid ${m.amount}`),
      onResponse: () => undefined,
    });
    const workflow = new WorkflowBuilder({ name: 'refund', start: withApproval(pay, { describe: (m) => `Pay ${m.amount}?` }) }).build();
    const runtime = createRuntime({ workflows: { refund: workflow }, store: new MemoryRunStore() });
    const { runId, run: result } = await runtime.invoke('refund', { amount: 5 }, { wait: true });
    const requestId = result?.pendingRequests[0]?.id as string;
    const refused = await caught(() => runtime.respond(runId, requestId, 'yes')); // a string: what pay's own schema takes
    expect(isWeftError(refused) && refused.code).toBe('request_invalid');
    expect((await runtime.getRun(runId))?.status).toBe('waiting');
    await runtime.respond(runId, requestId, { approved: true });
    await lastValueFrom(runtime.events(runId), { defaultValue: undefined });
    expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['paid 5'] });
    await runtime.close();
  });
});

describe('events that JSON cannot hold', () => {
  const base = { runId: 'r', seq: 0, superstep: 1, path: ['x'], at: 0 };
  it('become the run.failed event of their run, with a code and a message, instead of throwing', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200_000; i++) deep = { next: deep };
    const hostile: unknown[] = [
      deep,
      {
        toJSON: () => {
          throw new Error('toJSON exploded');
        },
      },
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap exploded');
          },
          ownKeys: () => {
            throw new Error('trap exploded');
          },
        },
      ),
    ];
    for (const data of hostile) {
      const stored = serializeEvent({ ...base, type: 'custom', executorId: 'x', name: 'bad', data } as WorkflowEvent, 7);
      expect(stored).toMatchObject({
        type: 'run.failed',
        seq: 7,
        path: [],
        error: { code: 'event_unstorable', message: expect.stringContaining('"custom" event (seq 7) could not be stored as JSON') },
      });
    }
  });

  it('keeps errors readable whatever was thrown', () => {
    const stored = serializeEvent(
      { ...base, type: 'executor.retried', executorId: 'x', attempt: 1, delayMs: 0, error: Object.create(null) } as WorkflowEvent,
      3,
    );
    expect(stored).toMatchObject({ type: 'executor.retried', error: { name: 'Error', message: 'an object with a null prototype' } });
  });
});
