/**
 * A worker process of the BullMQ example. Start as many as you like, on any machine that reaches the Redis:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/distributed/worker.ts
 *
 * or, without writing this file: npx weft worker examples/distributed/digests.ts --redis redis://127.0.0.1:6379
 */
import { createWorker } from 'weft/bullmq';
import { workflow } from './digests.js';

const connection = process.env['REDIS_URL'];
if (connection === undefined || connection === '') throw new Error('Set REDIS_URL to a Redis URL, e.g. REDIS_URL=redis://127.0.0.1:6379.');

// One invocation at a time: the handlers are CPU-bound, so more processes help and more concurrency does not.
const worker = createWorker({ workflows: { digests: workflow }, connection, concurrency: 1 });
await worker.ready();
// Stop taking jobs and finish the ones in progress; a job of a worker that dies runs again on another.
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
process.once('SIGINT', () => void worker.close().then(() => process.exit(0)));
console.log(`[worker ${process.pid}] ready`);
