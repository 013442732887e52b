// Invocations on BullMQ workers (weft/bullmq) against the in-process run: a fan-out of CPU-bound invocations (fixed
// work, about --ms each on this machine) run in the coordinator's process, then through a queue with 1 and with 2
// worker processes (concurrency 1 each); then the queue's overhead per invocation, with handlers that do no work.
//
//   npx tsx bench/queue-throughput.ts [--items=64] [--ms=20] [--reps=5]
//   WEFT_REDIS_URL=redis://… npx tsx bench/queue-throughput.ts     (a server of your own instead of a throwaway one)
//
// On 2 cores the coordinator, Redis and the workers share the cores: 2 workers can at best approach 2× one worker.
import { performance } from 'node:perf_hooks';
import type { Invocation, InvocationRecord, Placement, RunResult } from '../src/index.js';
import { bullmqPlacement } from '../src/bullmq/index.js';
import { startReporting, type ReportingProcess } from '../test/bullmq/helpers.js';
import type { WorkerReport } from '../test/bullmq/worker-process.js';
import { fanOut, roundsFor } from '../test/bullmq/workflows.js';
import { compiled } from '../test/support/compiled.js';
import { startRedis } from '../test/support/redis.js';
import { git, machine, median } from './environment.js';

const option = (name: string, fallback: number, min = 1): number => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${given}.`);
  return value;
};
const items = option('items', 64);
const ms = option('ms', 20, 0);
const reps = option('reps', 5);
const round = (value: number): number => Math.round(value * 100) / 100;

const given = process.env['WEFT_REDIS_URL'];
const server = given !== undefined && given !== '' ? undefined : await startRedis();
const url = given !== undefined && given !== '' ? given : (server?.url as string);
const workerScript = await compiled(new URL('../test/bullmq/worker-process.ts', import.meta.url).href);
const workflow = fanOut();
let queues = 0;

/** Counts the invocations a placement is asked for (the split, and the fan-out's). */
function counting(placement: Placement): Placement & { count: number } {
  const counted = {
    count: 0,
    invoke(invocation: Invocation, signal: AbortSignal): Promise<InvocationRecord> {
      counted.count++;
      return placement.invoke(invocation, signal);
    },
  };
  return counted;
}

/** The median wall time of `reps` runs after one warm-up, checking every result against the in-process one. */
async function timed(run: () => Promise<RunResult>, expected: RunResult | undefined): Promise<number> {
  const samples: number[] = [];
  for (let rep = 0; rep <= reps; rep++) {
    const started = performance.now();
    const result = await run();
    const elapsed = performance.now() - started;
    if (expected !== undefined && JSON.stringify(result.outputs) !== JSON.stringify(expected.outputs))
      throw new Error('the result through the queue differs from the in-process one');
    if (rep > 0) samples.push(elapsed);
  }
  return median(samples);
}

/** Runs `input` in process, then through a queue with `workers` worker processes; medians in ms. */
async function compare(input: { items: number; spin: number }, workerCounts: readonly number[]) {
  const expected = await workflow.run(input);
  const inProcess = await timed(() => workflow.run(input), expected);
  const queued: { workers: number; ms: number; invocations: number }[] = [];
  for (const count of workerCounts) {
    const queue = `bench-${process.pid}-${(queues += 1)}`;
    const workers: ReportingProcess<WorkerReport>[] = [];
    for (let index = 0; index < count; index++) workers.push(startReporting<WorkerReport>(workerScript, [url, queue, '1', '60000']));
    await Promise.all(workers.map((worker) => worker.next((report) => report.type === 'ready')));
    const bullmq = bullmqPlacement({ connection: url, queue });
    const placement = counting(bullmq);
    const before = placement.count;
    try {
      const wall = await timed(() => workflow.run(input, { placement }), expected);
      queued.push({ workers: count, ms: wall, invocations: (placement.count - before) / (reps + 1) });
    } finally {
      await bullmq.close();
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.done));
    }
  }
  return { inProcess, queued };
}

try {
  const spin = roundsFor(ms);
  console.log(
    `${items} invocations of ~${ms} ms (${spin} rounds each), ${reps} runs per setting after a warm-up; Redis: ${given ? 'WEFT_REDIS_URL' : 'throwaway local'}`,
  );
  const cpu = await compare({ items, spin }, [1, 2]);
  const throughput = (wall: number): number => round(items / (wall / 1000));
  const one = cpu.queued[0] as { ms: number };
  const two = cpu.queued[1] as { ms: number };
  console.log(`in process:  ${round(cpu.inProcess)} ms, ${throughput(cpu.inProcess)} invocations/s`);
  for (const row of cpu.queued)
    console.log(`${row.workers} worker${row.workers === 1 ? ' ' : 's'}:   ${round(row.ms)} ms, ${throughput(row.ms)} invocations/s`);
  console.log(`2 workers against 1: ${round(one.ms / two.ms)}×`);

  // Overhead: the same fan-out with handlers that do nothing, and a single invocation's round trip.
  const empty = await compare({ items, spin: 0 }, [1]);
  const emptyQueued = empty.queued[0] as { ms: number; invocations: number };
  const amortized = (emptyQueued.ms - empty.inProcess) / emptyQueued.invocations;
  const single = await compare({ items: 1, spin: 0 }, [1]);
  const singleQueued = single.queued[0] as { ms: number; invocations: number };
  const roundTrip = (singleQueued.ms - single.inProcess) / singleQueued.invocations;
  console.log(`queue overhead per invocation: ${round(amortized)} ms with ${items} in flight, ${round(roundTrip)} ms for one alone (a round trip)`);

  console.log(
    JSON.stringify(
      {
        benchmark: 'queue-throughput',
        machine: machine(),
        commit: git(),
        items,
        ms,
        reps,
        cpuBound: {
          inProcessMs: round(cpu.inProcess),
          queued: cpu.queued.map((row) => ({ workers: row.workers, ms: round(row.ms), perSecond: throughput(row.ms) })),
          twoWorkersOverOne: round(one.ms / two.ms),
        },
        overheadPerInvocationMs: { amortized: round(amortized), roundTrip: round(roundTrip) },
      },
      null,
      2,
    ),
  );
} finally {
  await server?.stop();
}
