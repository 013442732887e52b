/**
 * Runs the BullMQ example: two worker processes and this process as the coordinator, over one Redis.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/distributed/queue.ts
 *
 * The coordinator drives the run (supersteps, checkpoints, the commit); every invocation of the fan-out goes to the
 * queue as a job, and the workers run the handlers and send back what they did (an invocation record).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bullmqPlacement } from 'weft/bullmq';
import { workflow } from './digests.js';

const connection = process.env['REDIS_URL'];
if (connection === undefined || connection === '') throw new Error('Set REDIS_URL to a Redis URL, e.g. REDIS_URL=redis://127.0.0.1:6379.');

/** Starts worker.ts as its own process; resolves once it takes jobs. */
function startWorker(): Promise<ChildProcess> {
  const file = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      process.stdout.write(chunk);
      if (chunk.includes('ready')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`worker.ts exited with ${code} before it was ready`)));
  });
}

const workers = await Promise.all([startWorker(), startWorker()]);
const placement = bullmqPlacement({ connection });
try {
  const documents = Array.from({ length: 32 }, (_, index) => `document ${index}`);
  // The workflow's code is the same as for an in-process run: only the placement option differs.
  const result = await workflow.run({ documents, rounds: 5_000 }, { placement });
  const outputs = result.outputs as { document: string; digest: string; worker: number }[];
  const perWorker = new Map<number, number>();
  for (const output of outputs) perWorker.set(output.worker, (perWorker.get(output.worker) ?? 0) + 1);
  console.log(`run ${result.status}: ${outputs.length} digests, e.g. ${outputs[0]?.document} → ${outputs[0]?.digest}`);
  for (const [pid, count] of perWorker) console.log(`  worker ${pid}: ${count} invocations`);
  if (outputs.length !== documents.length) throw new Error('example check failed: a digest is missing');
  if (perWorker.has(process.pid)) throw new Error('example check failed: a handler ran in the coordinator');
  console.log('ok: the invocations ran on the worker processes');
} finally {
  await placement.close();
  for (const worker of workers) {
    worker.removeAllListeners('exit');
    worker.kill('SIGTERM');
  }
}
