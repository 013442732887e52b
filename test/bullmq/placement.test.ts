// weft/bullmq on a real Redis, with the worker in this process (the multi-process cases are in processes.test.ts):
// the result through the queue equals the in-process run; job ids are deterministic, so a second enqueue reuses the
// job; a failed job is no record; cancelling a run removes its queued jobs and aborts its running ones.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor, type Invocation, type Placement, type RunResult, type Workflow } from 'weft';
import { bullmqPlacement, createWorker, invocationJobId, InvocationJobError } from 'weft/bullmq';
import { aborted, caught, deferred } from '../support/async.js';
import { describeRedis, freshQueue, startRedis, type RedisServer } from './helpers.js';
import { fanOut } from './workflows.js';

/** What a run decided, without its id (each run has its own). */
const decided = (result: RunResult): Omit<RunResult, 'runId' | 'checkpointId'> => {
  const { runId: _runId, checkpointId: _checkpointId, ...rest } = result;
  return rest;
};

/** Closes every worker and placement a test opened, even when it fails. */
const opened: { close(): Promise<void> }[] = [];
const track = <T extends { close(): Promise<void> }>(thing: T): T => (opened.push(thing), thing);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const thing of opened.reverse()) await thing.close().catch(() => undefined);
  await redis?.stop();
});

it('names the fix for bad options, before connecting to anything', () => {
  expect(() => bullmqPlacement({ connection: 'http://127.0.0.1:6379' })).toThrow(/not a Redis URL; write it as redis:\/\/host:port/);
  expect(() => bullmqPlacement({ connection: 'redis://127.0.0.1:1', queue: 'a:b' })).toThrow(/must be a non-empty name without ":"/);
  expect(() => bullmqPlacement({ connection: 'redis://127.0.0.1:1', keepJobsSeconds: -1 })).toThrow(
    /keepJobsSeconds must be a number of seconds ≥ 0/,
  );
  expect(() => bullmqPlacement({} as never)).toThrow(/needs a connection: a Redis URL/);
  expect(() => createWorker({ workflows: [fanOut()], connection: 'redis://127.0.0.1:1', concurrency: 0 })).toThrow(
    /concurrency must be a whole number ≥ 1, got 0/,
  );
  expect(() => createWorker({ workflows: {}, connection: 'redis://127.0.0.1:1' })).toThrow(/createWorker needs workflows/);
  expect(() => createWorker({ workflows: [fanOut()], connection: 'redis://127.0.0.1:1', around: 'trace' as never })).toThrow(
    /around must be a function \(invocation, execute\) => execute\(\), got string/,
  );
});

it('job ids: deterministic per invocation and attempt, never an integer, never a ":"', () => {
  const id = invocationJobId('run-1/3:work:12', 1);
  expect(id).toBe(invocationJobId('run-1/3:work:12', 1));
  expect(id).not.toContain(':');
  expect(Number.isInteger(Number(id))).toBe(false);
  expect(invocationJobId('run-1/3:work:12', 2)).not.toBe(id);
  expect(invocationJobId('run-1/3:work:1', 2)).not.toBe(invocationJobId('run-1/3:work:12', 1));
  expect(invocationJobId('7', 1)).not.toMatch(/^\d+$/);
});

describeRedis('bullmqPlacement with createWorker', () => {
  it("runs every invocation on the worker, with the in-process run's result", async () => {
    const queue = freshQueue();
    const workflow = fanOut();
    const worker = track(createWorker({ workflows: [workflow], connection: redis.url, queue, concurrency: 4 }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    const ran: string[] = [];
    worker.worker.on('completed', (job) => ran.push(job.data.invocation.executorId));
    await worker.ready();

    const input = { items: 16, spin: 10_000 };
    const expected = await workflow.run(input);
    const result = await workflow.run(input, { placement });
    expect(decided(result)).toEqual(decided(expected));
    expect(result.outputs).toHaveLength(16);
    expect((await placement.queue.getJobCounts('completed'))['completed']).toBeGreaterThanOrEqual(16);
    await worker.close(); // after the jobs in progress, their 'completed' events included
    expect(ran.filter((id) => id === 'work')).toHaveLength(16);
  });

  it("runs each invocation inside the worker's around, with the trace context the coordinator gave it", async () => {
    const queue = freshQueue();
    const workflow = fanOut();
    const arounds: (string | undefined)[] = [];
    const worker = track(
      createWorker({
        workflows: [workflow],
        connection: redis.url,
        queue,
        around: async (invocation, execute) => {
          arounds.push(invocation.trace?.['traceparent']);
          return execute();
        },
      }),
    );
    const queued = track(bullmqPlacement({ connection: redis.url, queue }));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const placement: Placement = { invoke: (invocation, signal) => queued.invoke({ ...invocation, trace: { traceparent } }, signal) };
    await worker.ready();

    const input = { items: 3, spin: 10 };
    expect(decided(await workflow.run(input, { placement }))).toEqual(decided(await workflow.run(input)));
    expect(arounds.length).toBeGreaterThanOrEqual(4); // the split and its three items at least
    expect(new Set(arounds)).toEqual(new Set([traceparent]));
  });

  it('enqueues an invocation once: a second invoke (a new coordinator) reuses the finished job and its record', async () => {
    const queue = freshQueue();
    const workflow = fanOut();
    const worker = track(createWorker({ workflows: [workflow], connection: redis.url, queue, concurrency: 2 }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    const seen: Invocation[] = [];
    const watching: Placement = { invoke: (invocation, signal) => (seen.push(invocation), placement.invoke(invocation, signal)) };
    await worker.ready();
    await workflow.run({ items: 3, spin: 1 }, { placement: watching });
    const work = seen.find((invocation) => invocation.executorId === 'work') as Invocation;
    const first = await placement.queue.getJob(invocationJobId(work.invocationId, work.attempt));
    expect(first?.returnvalue).toBeDefined();
    const before = await placement.queue.getJobCounts('completed', 'wait', 'active');

    const successor = track(bullmqPlacement({ connection: redis.url, queue }));
    const record = await successor.invoke(work, new AbortController().signal);
    expect(record).toEqual(first?.returnvalue);
    expect(await placement.queue.getJobCounts('completed', 'wait', 'active')).toEqual(before);
  });

  it('a failed job is no record: the coordinator gets the error, and a later enqueue of the attempt runs it again', async () => {
    const queue = freshQueue();
    let failures = 2;
    const flaky = executor({
      id: 'flaky',
      input: z.string(),
      handle: (text, ctx) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error(`the service is down (${text})`);
        }
        ctx.output(text.toUpperCase());
      },
    });
    const workflow = new WorkflowBuilder({ name: 'flaky', start: flaky }).build() as Workflow<string, unknown>;
    const worker = track(createWorker({ workflows: [workflow], connection: redis.url, queue }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    const seen: Invocation[] = [];
    await worker.ready();
    const error = await caught(() =>
      workflow.run('hi', { placement: { invoke: (invocation, signal) => (seen.push(invocation), placement.invoke(invocation, signal)) } }),
    );
    expect(String((error as Error).message) + String((error as Error).cause)).toMatch(/the service is down \(hi\)/);
    const invocation = seen[0] as Invocation;
    const jobId = invocationJobId(invocation.invocationId, invocation.attempt);
    expect(await placement.queue.getJobState(jobId)).toBe('failed');
    // Enqueued again (a resumed run): the failure was not the answer, so the job runs again; and fails again here.
    const failed = await caught(() => placement.invoke(invocation, new AbortController().signal));
    expect(failed).toBeInstanceOf(InvocationJobError);
    expect((failed as InvocationJobError).message).toMatch(
      new RegExp(`Invocation ".*" failed on its worker \\(BullMQ job "${jobId.replace(/[.%]/g, '\\$&')}"\\): .*the service is down \\(hi\\)`),
    );
    const successor = track(bullmqPlacement({ connection: redis.url, queue }));
    const record = await successor.invoke(invocation, new AbortController().signal);
    expect(record.outputs).toEqual(['HI']);
    expect(failures).toBe(0);
  });

  it('close() ends the waits in progress with an error (their jobs stay queued)', async () => {
    const queue = freshQueue();
    const placement = bullmqPlacement({ connection: redis.url, queue });
    const invocation = {
      runId: 'run-close',
      workflow: 'fan-out',
      signature: fanOut().signature,
      path: ['work'],
      executorId: 'work',
      invocationId: 'run-close/1:work:0',
      superstep: 1,
      index: 0,
      attempt: 1,
      message: { index: 0, spin: 1 },
      state: {},
      shared: {},
      budget: { limit: null, spent: 0 },
    } satisfies Invocation;
    const waiting = placement.invoke(invocation, new AbortController().signal);
    waiting.catch(() => undefined);
    const inspect = track(new Queue(queue, { connection: { url: redis.url } }));
    await untilAsync(async () => (await inspect.getJobCounts('wait'))['wait'] === 1);
    await placement.close();
    await expect(waiting).rejects.toThrow(/the placement was closed while the invocation was in progress/);
    expect(await inspect.getJobState(invocationJobId(invocation.invocationId, 1))).toBe('waiting');
  });

  it('a worker without the workflow fails the invocation with an error naming it', async () => {
    const queue = freshQueue();
    const other = new WorkflowBuilder({
      name: 'other',
      start: executor({ id: 'noop', input: z.unknown(), handle: () => undefined }),
    }).build();
    const worker = track(createWorker({ workflows: { other }, connection: redis.url, queue }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    await worker.ready();
    const error = (await caught(() => fanOut().run({ items: 1, spin: 1 }, { placement }))) as Error;
    expect(`${error.message} ${String(error.cause)}`).toMatch(/This worker has no workflow "fan-out" \(it has "other"\)/);
  });

  it('a worker with another build of the workflow (another graph signature) fails the job, once, naming both signatures and the fix', async () => {
    const queue = freshQueue();
    // The worker's "fan-out" has one more executor: an older (or newer) build than the coordinator's.
    const ran: string[] = [];
    const split = executor({
      id: 'split',
      input: z.object({ items: z.number().int(), spin: z.number().int() }),
      output: z.number(),
      handle: (input, ctx) => (ran.push('split'), ctx.send(input.items)),
    });
    const work = executor({ id: 'work', input: z.number(), handle: () => void ran.push('work') });
    const audit = executor({ id: 'audit', input: z.number(), handle: () => void ran.push('audit') });
    const older = new WorkflowBuilder({ name: 'fan-out', start: split }).addEdge(split, work).addEdge(split, audit).build();
    const current = fanOut();
    expect(older.signature).not.toBe(current.signature);
    const worker = track(createWorker({ workflows: [older], connection: redis.url, queue }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    await worker.ready();

    const error = (await caught(() => current.run({ items: 1, spin: 1 }, { placement }))) as Error;
    const told = `${error.message} ${String(error.cause)}`;
    expect(told).toContain(`workflow "fan-out" was placed with graph signature ${current.signature}`);
    expect(told).toContain(`this worker's "fan-out" has graph signature ${older.signature}`);
    expect(told).toContain('Deploy the same build to the workers and the coordinators.');
    expect(ran).toEqual([]); // no handler of the other graph ran
    const inspect = track(new Queue(queue, { connection: { url: redis.url } }));
    const failed = await inspect.getJobs(['failed']);
    expect(failed).toHaveLength(1); // the split's one attempt: the coordinator did not retry it
    expect(failed[0]?.attemptsMade).toBe(1);
    expect((await inspect.getJobs(['completed', 'waiting', 'active', 'delayed'])).length).toBe(0);
  });

  it('cancelling a run removes its queued jobs and aborts its running one', async () => {
    const queue = freshQueue();
    const started = deferred<string>();
    const abortedSeen = deferred<unknown>();
    const hold = executor({
      id: 'hold',
      input: z.number(),
      concurrency: 10,
      handle: async (n, ctx) => {
        started.resolve(ctx.invocationId);
        abortedSeen.resolve(await aborted(ctx.signal));
        throw new Error(`invocation ${n} aborted`);
      },
    });
    const split = executor({
      id: 'split',
      input: z.number(),
      output: z.number(),
      handle: (count, ctx) => {
        for (let n = 0; n < count; n++) ctx.send(n);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'holding', start: split }).addEdge(split, hold).build() as Workflow<number, unknown>;
    // One job at a time: one runs, the others wait in the queue.
    const worker = track(createWorker({ workflows: [workflow], connection: redis.url, queue, concurrency: 1 }));
    const placement = track(bullmqPlacement({ connection: redis.url, queue }));
    await worker.ready();
    const controller = new AbortController();
    const enqueued: string[] = [];
    const running = workflow.run(4, {
      signal: controller.signal,
      placement: {
        invoke: (invocation, signal) => {
          if (invocation.executorId === 'hold') enqueued.push(invocationJobId(invocation.invocationId, invocation.attempt));
          return placement.invoke(invocation, signal);
        },
      },
    });
    running.catch(() => undefined);
    await started.promise;
    await untilAsync(async () => (await placement.queue.getJobCounts('wait'))['wait'] === 3);

    controller.abort();
    await expect(running).rejects.toThrow(/cancel/i);
    await abortedSeen.promise;
    await placement.close(); // waits for the cancellations it sent
    const inspect = track(new Queue(queue, { connection: { url: redis.url } }));
    const states = (await Promise.all(enqueued.map((id) => inspect.getJobState(id)))).sort();
    // The running job failed (aborted); the three that waited are gone.
    expect(states).toEqual(['failed', 'unknown', 'unknown', 'unknown']);
  });
});

/** Asks Redis until `condition` holds (bounded in count; each round trip is the wait). */
async function untilAsync(condition: () => Promise<boolean>, rounds = 5_000): Promise<void> {
  for (let round = 0; round < rounds; round++) if (await condition()) return;
  throw new Error(`condition still false after ${rounds} rounds`);
}
