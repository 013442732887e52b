// weft/bullmq across real processes: one coordinator and two worker processes over one Redis run a 64-way fan-out of
// CPU-bound invocations (about 20 ms each). The result equals the in-process run, both workers do work, a worker
// SIGKILLed mid-run loses nothing (its job runs again elsewhere), and a coordinator SIGKILLed mid-superstep is
// replaced by one that resumes from the checkpoint store and reuses the jobs that already ran.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from 'weft';
import { bullmqPlacement } from 'weft/bullmq';
import { deferred } from '../support/async.js';
import { compiled } from '../support/compiled.js';
import type { CoordinatorReport } from './coordinator-process.js';
import { describeRedis, freshQueue, startRedis, startReporting, type RedisServer, type ReportingProcess } from './helpers.js';
import type { WorkerReport } from './worker-process.js';
import { fanOut, roundsFor } from './workflows.js';

const ITEMS = 64;
const directory = mkdtempSync(join(tmpdir(), 'weft-bullmq-'));
let redis: RedisServer;
let workerScript: string;
let coordinatorScript: string;
/** About 20 ms of arithmetic per invocation on this machine (fixed work: a loaded machine runs it slower, not shorter). */
const spin = roundsFor(20);
const children: ReportingProcess<unknown>[] = [];

beforeAll(async () => {
  [redis, workerScript, coordinatorScript] = await Promise.all([
    startRedis(),
    compiled(new URL('./worker-process.ts', import.meta.url).href),
    compiled(new URL('./coordinator-process.ts', import.meta.url).href),
  ]);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.done));
  await redis?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const startWorker = (queue: string, onReport?: (report: WorkerReport) => void): ReportingProcess<WorkerReport> => {
  const child = startReporting<WorkerReport>(workerScript, [redis.url, queue, '1', '4000'], onReport);
  children.push(child as ReportingProcess<unknown>);
  return child;
};

const workDone = (worker: ReportingProcess<WorkerReport>): string[] =>
  worker.reports.flatMap((report) => (report.type === 'completed' && report.executorId === 'work' ? [report.jobId] : []));

/** Stops a worker after the jobs in progress, so that every job it finished has been reported. */
async function stop(worker: ReportingProcess<WorkerReport>): Promise<void> {
  worker.kill('SIGTERM');
  await worker.done;
}

const decided = (result: RunResult) => ({ status: result.status, outputs: result.outputs, shared: result.shared, supersteps: result.supersteps });

describeRedis('one coordinator, two worker processes', () => {
  it('a 64-way CPU fan-out: the in-process result, work on both workers, and nothing lost when one is SIGKILLed mid-run', async () => {
    const queue = freshQueue();
    const input = { items: ITEMS, spin };
    const expected = await fanOut().run(input);
    // Killed at its third finished job: mid-run, with a job of its own in progress (it takes the next one at once).
    const first: ReportingProcess<WorkerReport> = startWorker(queue, (report) => {
      if (report.type === 'completed' && report.executorId === 'work' && workDone(first).length === 3) first.kill('SIGKILL');
    });
    const second = startWorker(queue);
    await Promise.all([first.next((r) => r.type === 'ready'), second.next((r) => r.type === 'ready')]);

    const placement = bullmqPlacement({ connection: redis.url, queue });
    let result: RunResult;
    let finishedWork: Set<string>;
    try {
      result = await fanOut().run(input, { placement });
      const completed = await placement.queue.getJobs(['completed']);
      finishedWork = new Set(completed.flatMap((job) => (job.data.invocation.executorId === 'work' ? [job.data.invocation.invocationId] : [])));
    } finally {
      await placement.close();
    }
    expect((await first.done).signal).toBe('SIGKILL');
    await stop(second);
    expect(decided(result)).toEqual(decided(expected));
    const byFirst = workDone(first);
    const bySecond = workDone(second);
    expect(byFirst.length).toBeGreaterThanOrEqual(3);
    expect(bySecond.length).toBeGreaterThan(0);
    // Every invocation finished on some worker, as Redis has it (the killed worker may have finished a job it never got
    // to report); the killed worker's job in progress ran again on the other.
    expect(finishedWork.size).toBe(ITEMS);
    expect(new Set([...byFirst, ...bySecond]).size).toBeGreaterThanOrEqual(ITEMS - 1);
  });

  it('a coordinator SIGKILLed mid-superstep is replaced by one that resumes and reuses the jobs that already ran', async () => {
    const queue = freshQueue();
    const file = join(directory, `${queue}.db`);
    const runId = `run-${queue}`;
    const input = { items: ITEMS, spin };
    const expected = await fanOut().run(input);
    // Kill the coordinator once ten invocations of the fan-out superstep finished on the workers.
    let doomed: ReportingProcess<CoordinatorReport> | undefined;
    const killed = deferred();
    const onReport = (): void => {
      if (doomed === undefined || workers.reduce((sum, worker) => sum + workDone(worker).length, 0) < 10) return;
      doomed.kill('SIGKILL');
      killed.resolve();
    };
    const workers = [startWorker(queue, onReport), startWorker(queue, onReport)];
    await Promise.all(workers.map((worker) => worker.next((r) => r.type === 'ready')));

    const args = [redis.url, queue, file, runId, String(ITEMS), String(spin)];
    doomed = startReporting<CoordinatorReport>(coordinatorScript, ['start', ...args]);
    children.push(doomed as ReportingProcess<unknown>);
    const coordinator = doomed;
    await Promise.race([
      killed.promise,
      coordinator.done.then(({ stderr }) => {
        throw new Error(`the coordinator ended before it was killed:\n${stderr}`);
      }),
    ]);
    const ended = await doomed.done;
    expect(ended.signal).toBe('SIGKILL');
    expect(doomed.reports.some((report) => report.type === 'finished')).toBe(false);

    const successor = startReporting<CoordinatorReport>(coordinatorScript, ['resume', ...args]);
    children.push(successor as ReportingProcess<unknown>);
    const finished = (await successor.next((report) => report.type === 'finished')) as Extract<CoordinatorReport, { type: 'finished' }>;
    expect((await successor.done).code).toBe(0);
    for (const worker of workers) await stop(worker);

    expect(decided(finished.result)).toEqual(decided(expected));
    // Each of the 64 invocations ran once: the successor enqueued them again under the same job ids, and reused the
    // records of the jobs that had finished (or were still running) when the first coordinator died.
    const done = workers.flatMap(workDone);
    expect(done).toHaveLength(ITEMS);
    expect(new Set(done).size).toBe(ITEMS);
  });
});
