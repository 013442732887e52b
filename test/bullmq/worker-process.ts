// A worker process of the BullMQ tests and of bench/queue-throughput.ts:
//   node <worker-process compiled> <redis url> <queue> [concurrency] [lock ms]
// Runs the fan-out workflow's invocations; reports JSON lines on stdout: `ready` once it takes jobs, then one
// `completed` per job it finished (with its job id).
import { createWorker } from 'weft/bullmq';
import { fanOut } from './workflows.js';
import { reportLine } from '../support/report-line.js';

/** A line the worker reports. */
export type WorkerReport =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'completed'; readonly pid: number; readonly jobId: string; readonly executorId: string };

const report: (line: WorkerReport) => void = reportLine;

const [url, queue, concurrency = '1', lock = '5000'] = process.argv.slice(2);
if (url === undefined || queue === undefined) throw new Error('usage: worker-process.ts <redis url> <queue> [concurrency] [lock ms]');
const worker = createWorker({
  workflows: [fanOut()],
  connection: url,
  queue,
  concurrency: Number(concurrency),
  // Short, so that the jobs of a killed worker run again soon; the handlers never block the loop for long.
  lockDurationMs: Number(lock),
  stalledIntervalMs: Math.max(1_000, Number(lock) / 2),
});
worker.worker.on('completed', (job) =>
  report({ type: 'completed', pid: process.pid, jobId: job.id ?? '', executorId: job.data.invocation.executorId }),
);
await worker.ready();
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
report({ type: 'ready', pid: process.pid });
