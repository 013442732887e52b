import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Invocation, InvocationRecord, Placement } from '../index.js';
import { bullmqConnection, cancelChannel, checkQueueOptions, DEFAULT_QUEUE, openRedis, type BullmqConnection } from './connection.js';
import { invocationJobId } from './job-id.js';

/** Options of `bullmqPlacement`. */
export interface BullmqPlacementOptions {
  /** The Redis the queue lives in. */
  readonly connection: BullmqConnection;
  /** The queue's name (default "weft"); the workers must use the same. */
  readonly queue?: string;
  /** BullMQ's key prefix (default "bull"); the workers must use the same. */
  readonly prefix?: string;
  /**
   * How long finished jobs are kept, in seconds (default 86,400: a day). A coordinator that takes over a run reuses
   * the record of a job that finished while no coordinator was listening, if the job is still there.
   */
  readonly keepJobsSeconds?: number;
}

/** A placement that runs each invocation as a BullMQ job on a worker (`createWorker`, `weft worker`). */
export interface BullmqPlacement extends Placement {
  /** The BullMQ queue the jobs go to (to inspect it, or to show it in a dashboard). */
  readonly queue: Queue;
  /** Closes the placement's Redis connections, after the cancellations it sent are through. */
  close(): Promise<void>;
}

/** What a job carries: the invocation, and which enqueue made the job (to tell a failure of ours from an older one). */
export interface InvocationJobData {
  readonly invocation: Invocation;
  readonly enqueue: string;
}

/** A job that failed on its worker: the handler threw, or the worker could not run it. The coordinator's retry policy applies. */
export class InvocationJobError extends Error {
  override readonly name = 'InvocationJobError';
  constructor(
    readonly jobId: string,
    readonly invocationId: string,
    readonly reason: string,
  ) {
    super(`Invocation "${invocationId}" failed on its worker (BullMQ job "${jobId}"): ${reason}`);
  }
}

type Finished = { readonly record: unknown } | { readonly failed: string };

/** Connections made on first use: the queue, the events stream reader, and a client for the cancel channel. */
interface Connected {
  readonly events: QueueEvents;
  readonly redis: Redis;
}

/**
 * A `placement` (the option of `run`, `start` and `resume`, and of `createRuntime` through `runOptions`) that puts
 * each invocation of a superstep on a BullMQ queue, where `createWorker` processes run it, and waits for the records
 * they return.
 * Job ids are deterministic, so a coordinator that takes a run over reuses the jobs its predecessor enqueued, and
 * the records of those that finished. Cancelling a run removes its queued jobs and aborts its running ones.
 *
 * @example
 * const placement = bullmqPlacement({ connection: 'redis://127.0.0.1:6379' });
 * const result = await workflow.run(input, { placement });
 * await placement.close();
 */
export function bullmqPlacement(options: BullmqPlacementOptions): BullmqPlacement {
  const name = options.queue ?? DEFAULT_QUEUE;
  checkQueueOptions('bullmqPlacement', options.connection, name, options.prefix);
  const keep = options.keepJobsSeconds ?? 86_400;
  if (!(Number.isFinite(keep) && keep >= 0))
    throw new TypeError(`bullmqPlacement: keepJobsSeconds must be a number of seconds ≥ 0, got ${String(options.keepJobsSeconds)}.`);
  const connection = bullmqConnection(options.connection);
  const prefixed = options.prefix === undefined ? {} : { prefix: options.prefix };
  const queue = new Queue<InvocationJobData, unknown>(name, { connection, ...prefixed });
  // Connection trouble shows as failed commands, and so as failed invocations; an unheard 'error' would end the process.
  queue.on('error', () => undefined);
  const channel = cancelChannel(options.prefix, name);
  const cancelling = new Set<Promise<void>>();
  /** The waits in progress, ended by close(): nothing would tell them of their jobs any more. */
  const waits = new Set<(error: Error) => void>();
  let connecting: Promise<Connected> | undefined;
  let closed = false;

  const connect = async (): Promise<Connected> => {
    const redis = openRedis(options.connection);
    redis.on('error', () => undefined); // ioredis reconnects; a cancellation it could not send is best effort anyway
    try {
      // Read the events stream from its present end, not from "whenever the reader starts": no completion is missed.
      const last = await redis.xrevrange(queue.keys['events'] as string, '+', '-', 'COUNT', 1);
      const events = new QueueEvents(name, { connection, ...prefixed, lastEventId: last[0]?.[0] ?? '0-0' });
      events.setMaxListeners(0);
      events.on('error', () => undefined); // BullMQ reconnects; the waits go on once it has
      await events.waitUntilReady();
      return { events, redis };
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  };

  /** Waits for the job's end: completion or failure, seen live or already in the stored job. */
  const finished = (queueEvents: QueueEvents, jobId: string, signal: AbortSignal): Promise<Finished | undefined> =>
    new Promise((resolve, reject) => {
      const events = queueEvents as unknown as EventEmitter; // per-job event names ("completed:<id>") are not in its typed map
      const stop = (): void => {
        events.off(`completed:${jobId}`, onCompleted);
        events.off(`failed:${jobId}`, onFailed);
        signal.removeEventListener('abort', onAbort);
        waits.delete(onClose);
      };
      const done = (value: Finished | undefined): void => {
        stop();
        resolve(value);
      };
      const onClose = (error: Error): void => {
        stop();
        reject(error);
      };
      waits.add(onClose);
      const onCompleted = (args: { returnvalue: unknown }): void => done({ record: args.returnvalue });
      const onFailed = (args: { failedReason: string }): void => done({ failed: args.failedReason });
      const onAbort = (): void => done(undefined);
      events.on(`completed:${jobId}`, onCompleted);
      events.on(`failed:${jobId}`, onFailed);
      signal.addEventListener('abort', onAbort, { once: true });
      // Listening first, then looking: a job that finished before we listened is found here.
      queue.getJob(jobId).then((job) => {
        if (job?.finishedOn === undefined) return;
        done(job.failedReason !== undefined && job.failedReason !== '' ? { failed: job.failedReason } : { record: job.returnvalue });
      }, onClose);
    });

  const cancel = (jobId: string, redis: Redis): void => {
    const sent = (async () => {
      // A queued job is removed; an active one is locked, so its worker is told to abort it.
      const removed = await queue.remove(jobId).catch(() => 0);
      if (removed !== 1) await redis.publish(channel, jobId);
    })().catch(() => undefined); // best effort: the run is cancelled either way, and a job that runs on is never committed
    cancelling.add(sent);
    void sent.finally(() => cancelling.delete(sent));
  };

  const enqueue = async (invocation: Invocation, jobId: string, enqueue: string): Promise<Job<InvocationJobData>> =>
    queue.add(invocation.executorId, { invocation, enqueue }, { jobId, attempts: 1, removeOnComplete: { age: keep }, removeOnFail: { age: keep } });

  const closedWhileInProgress = (cause?: unknown): Error =>
    new Error('bullmqPlacement: the placement was closed while the invocation was in progress; its job stays in the queue.', { cause });

  const invoke = async (invocation: Invocation, signal: AbortSignal): Promise<InvocationRecord> => {
    if (closed) throw new Error('bullmqPlacement: this placement is closed; make a new one for new runs.');
    try {
      return await place(invocation, signal);
    } catch (error) {
      // Closed between two steps of the wait (enqueueing, connecting): Redis says only "Connection is closed".
      if (closed && error !== signal.reason && !(error instanceof InvocationJobError)) throw closedWhileInProgress(error);
      throw error;
    }
  };

  const place = async (invocation: Invocation, signal: AbortSignal): Promise<InvocationRecord> => {
    signal.throwIfAborted();
    const { events, redis } = await (connecting ??= connect());
    const jobId = invocationJobId(invocation.invocationId, invocation.attempt);
    const token = randomUUID();
    // Twice at most: a job that failed before this enqueue (an older run of this attempt) is replaced once.
    for (let round = 0; round < 2; round++) {
      await enqueue(invocation, jobId, token);
      if (signal.aborted) {
        cancel(jobId, redis);
        throw signal.reason;
      }
      const outcome = await finished(events, jobId, signal);
      if (outcome === undefined) {
        cancel(jobId, redis);
        throw signal.reason;
      }
      if ('record' in outcome) return checkRecord(outcome.record, invocation, jobId);
      const stored = await queue.getJob(jobId);
      const ours = stored === undefined || stored.data.enqueue === token;
      if (ours || round === 1) throw new InvocationJobError(jobId, invocation.invocationId, outcome.failed);
      // A failure is not a record: the attempt failed before this coordinator asked for it, so it runs again.
      await queue.remove(jobId);
    }
    throw new Error('unreachable');
  };

  return {
    queue,
    invoke,
    async close() {
      if (closed) return;
      closed = true;
      const closing = closedWhileInProgress();
      for (const end of [...waits]) end(closing);
      await Promise.all(cancelling);
      const connected = await connecting?.catch(() => undefined);
      await Promise.all([queue.close(), connected?.events.close()]);
      connected?.redis.disconnect();
    },
  };
}

/** The job's return value, checked to be the record of this invocation (and not of some other program's job). */
function checkRecord(value: unknown, invocation: Invocation, jobId: string): InvocationRecord {
  const record = value as Partial<InvocationRecord> | null;
  if (typeof record !== 'object' || record === null || record.executorId !== invocation.executorId || record.index !== invocation.index) {
    throw new InvocationJobError(
      jobId,
      invocation.invocationId,
      `the job returned ${JSON.stringify(value)?.slice(0, 200)}, not the record of this invocation: is the queue shared with something other than weft workers?`,
    );
  }
  return record as InvocationRecord;
}
