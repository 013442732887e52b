import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { executeInvocation, type Invocation, type InvocationRecord, type Workflow } from '../index.js';
import { bullmqConnection, cancelChannel, checkQueueOptions, DEFAULT_QUEUE, openRedis, type BullmqConnection } from './connection.js';
import type { InvocationJobData } from './placement.js';

type AnyWorkflow = Workflow<any, any, any>;

/** Options of `createWorker`. */
export interface InvocationWorkerOptions {
  /** The workflows whose invocations this worker runs, by the names their runs use (or a list: each under its `name`). */
  readonly workflows: Readonly<Record<string, AnyWorkflow>> | readonly AnyWorkflow[];
  /** The Redis the queue lives in. */
  readonly connection: BullmqConnection;
  /** How many invocations this process runs at once (default 1). CPU-bound handlers gain nothing above 1 per process. */
  readonly concurrency?: number;
  /** The queue's name (default "weft"), as given to `bullmqPlacement`. */
  readonly queue?: string;
  /** BullMQ's key prefix (default "bull"), as given to `bullmqPlacement`. */
  readonly prefix?: string;
  /**
   * How long a job stays locked to this worker without a renewal, in ms (default 60,000). Renewals run on the event
   * loop every half of it, so a handler that computes without awaiting for longer than this loses its job, which
   * then runs again elsewhere (its record is still committed once). Raise it for long CPU-bound handlers.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (their locks expired), in ms (default 30,000). */
  readonly stalledIntervalMs?: number;
  /** How many times a job whose worker died runs again before it fails (default 2). */
  readonly maxStalledCount?: number;
  /** Hears connection errors (BullMQ and ioredis reconnect by themselves); default: one line on stderr each. */
  readonly onError?: (error: Error) => void;
  /**
   * Runs around each invocation, e.g. weft/otel's `runInInvocationTrace`, so that the spans a handler starts join
   * its run's trace. It must call `execute` once and return what it returns.
   */
  readonly around?: (invocation: Invocation, execute: () => Promise<InvocationRecord>) => Promise<InvocationRecord>;
}

/** A running worker: `close()` stops taking jobs and waits for the ones in progress. */
export interface InvocationWorker {
  /** The BullMQ worker (its events, `isRunning()`, metrics). */
  readonly worker: Worker<InvocationJobData, InvocationRecord>;
  /** Resolves once the worker is connected and subscribed to cancellations. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Jobs told to abort before this worker started them are remembered this long, then forgotten. */
const REMEMBER_CANCELLED_MS = 10 * 60_000;

function byName(workflows: InvocationWorkerOptions['workflows']): ReadonlyMap<string, AnyWorkflow> {
  const map = new Map<string, AnyWorkflow>();
  if (Array.isArray(workflows)) for (const workflow of workflows as readonly AnyWorkflow[]) map.set(workflow.name, workflow);
  else
    for (const [key, workflow] of Object.entries(workflows as Readonly<Record<string, AnyWorkflow>>)) {
      map.set(key, workflow);
      if (!map.has(workflow.name)) map.set(workflow.name, workflow);
    }
  if (map.size === 0) throw new TypeError('createWorker needs workflows: the record (or list) of workflows whose invocations it runs.');
  return map;
}

/** Why a worker refuses an invocation placed by a build of the workflow whose graph differs from its own. */
function signatureMismatch(invocation: Invocation, workflow: AnyWorkflow): string {
  const theirs = typeof invocation.signature === 'string' ? `graph signature ${invocation.signature}` : 'no graph signature (an older weft)';
  return (
    `Invocation "${invocation.invocationId}" of workflow "${invocation.workflow}" was placed with ${theirs}, but this worker's ` +
    `"${invocation.workflow}" has graph signature ${workflow.signature}: their executors, kinds or edges differ, so this worker ` +
    `runs another version of the workflow. Deploy the same build to the workers and the coordinators.`
  );
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 1)) throw new TypeError(`createWorker: ${name} must be a whole number ≥ 1, got ${String(value)}.`);
  return value;
}

/**
 * Starts a BullMQ worker that runs the invocations `bullmqPlacement` puts on the queue, each with its workflow's
 * handler, and returns their records. Delivery is at least once: a job whose worker dies (or whose lock lapses) runs
 * again; the coordinator commits one record per invocation.
 *
 * @example
 * const worker = createWorker({ workflows: { triage }, connection: 'redis://127.0.0.1:6379', concurrency: 4 });
 * process.on('SIGTERM', () => void worker.close());
 */
export function createWorker(options: InvocationWorkerOptions): InvocationWorker {
  const name = options.queue ?? DEFAULT_QUEUE;
  checkQueueOptions('createWorker', options.connection, name, options.prefix);
  const workflows = byName(options.workflows);
  const concurrency = positive(options.concurrency, 'concurrency', 1);
  const lockDuration = positive(options.lockDurationMs, 'lockDurationMs', 60_000);
  const stalledInterval = positive(options.stalledIntervalMs, 'stalledIntervalMs', 30_000);
  const maxStalledCount = positive(options.maxStalledCount, 'maxStalledCount', 2);
  const cancelled = new Map<string, number>();
  const around = options.around;
  if (around !== undefined && typeof around !== 'function')
    throw new TypeError(`createWorker: around must be a function (invocation, execute) => execute(), got ${typeof around}.`);

  // Three parameters, so that BullMQ hands the processor an abort signal (worker.cancelJob aborts it).
  const processor = async (
    job: Job<InvocationJobData, InvocationRecord>,
    _token: string | undefined,
    signal?: AbortSignal,
  ): Promise<InvocationRecord> => {
    const { invocation } = job.data;
    if (job.id !== undefined && cancelled.delete(job.id))
      throw new UnrecoverableError(`The run of invocation "${invocation.invocationId}" was cancelled.`);
    const workflow = workflows.get(invocation.workflow);
    if (workflow === undefined) {
      throw new UnrecoverableError(
        `This worker has no workflow "${invocation.workflow}" (it has ${[...workflows.keys()].map((key) => `"${key}"`).join(', ')}): start workers with the module that exports it.`,
      );
    }
    // Another build of the graph: running it would apply this graph's handlers to the other's messages and state.
    if (invocation.signature !== workflow.signature) throw new UnrecoverableError(signatureMismatch(invocation, workflow));
    const execute = (): Promise<InvocationRecord> => executeInvocation(workflow, invocation, signal === undefined ? {} : { signal });
    return around === undefined ? execute() : around(invocation, execute);
  };

  const worker = new Worker<InvocationJobData, InvocationRecord>(name, processor, {
    connection: bullmqConnection(options.connection),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    // The job ids are the coordinator's; keeping what it asked for is its business (keepJobsSeconds).
    autorun: true,
  });
  const onError = options.onError ?? ((error: Error) => console.error(`weft/bullmq worker: ${error.message}`));
  // Connection errors are retried by BullMQ and ioredis; an unheard 'error' would end the process.
  worker.on('error', onError);

  const subscriber = openRedis(options.connection);
  subscriber.on('error', onError);
  subscriber.on('message', (_channel: string, jobId: string) => {
    if (worker.cancelJob(jobId, 'The run was cancelled.')) return;
    // Not running here (yet): remember it, in case this worker takes the job before it is removed.
    const now = Date.now();
    for (const [id, at] of cancelled) if (now - at > REMEMBER_CANCELLED_MS) cancelled.delete(id);
    cancelled.set(jobId, now);
  });
  const subscribed = subscriber.subscribe(cancelChannel(options.prefix, name)).then(() => undefined);
  subscribed.catch(() => undefined);

  let closing: Promise<void> | undefined;
  return {
    worker,
    async ready() {
      await Promise.all([worker.waitUntilReady(), subscribed]);
    },
    close() {
      closing ??= (async () => {
        try {
          await worker.close();
        } finally {
          subscriber.disconnect();
        }
      })();
      return closing;
    },
  };
}
