import { expectPositionals, integerFlag, parseArgs, UsageError } from './args.js';
import type { Io } from './io.js';
import { importModule, parseModuleRef, pickWorkflows } from './load.js';

export const WORKER_HELP = `Usage: weft worker <module>[#export] --redis redis://host:port [--concurrency 1] [--queue weft] [--prefix bull]

Runs the invocations that coordinators put on a BullMQ queue (weft/bullmq: runs started with
placement: bullmqPlacement(...)) with the module's workflows, and returns their records.
Every exported Workflow is served under its name, or the entries of an exported "workflows" record
under their keys; #export serves just one. Start as many workers, on as many machines, as you like.

  --redis <url>        the Redis of the queue (or the WEFT_REDIS_URL environment variable)
  --concurrency <n>    invocations run at once in this process (default 1; CPU-bound handlers
                       gain nothing above 1: start more processes instead)
  --queue <name>       the queue's name (default weft), as given to bullmqPlacement
  --prefix <prefix>    BullMQ's key prefix (default bull), as given to bullmqPlacement

Delivery is at least once: a job whose worker dies runs again on another once its lock lapses
(WEFT_LOCK_MS, default 60000; a handler that computes longer than that without awaiting loses its
lock too). The coordinator commits one record per invocation.

Needs bullmq and ioredis installed beside weft. "weft worker ready" goes to stderr once it takes
jobs. Ctrl+C (SIGINT) or SIGTERM stops it after the invocations in progress.

Example:
  weft worker workflows.ts --redis redis://127.0.0.1:6379 --concurrency 2
`;

/** `weft worker`: a BullMQ worker process for the module's workflows. */
export async function workerCommand(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft worker';
  const { flags, positionals } = parseArgs(argv, { redis: 'string', concurrency: 'string', queue: 'string', prefix: 'string' } as const, command);
  if (flags.help === true) {
    io.stdout.write(WORKER_HELP);
    return 0;
  }
  expectPositionals(positionals, ['module'], command);
  const redis = flags.redis ?? io.env['WEFT_REDIS_URL'];
  if (redis === undefined || redis.trim() === '')
    throw new UsageError('weft worker needs the Redis of the queue: --redis redis://host:port (or WEFT_REDIS_URL). See "weft worker --help".');
  if (!/^rediss?:\/\//.test(redis)) throw new UsageError(`--redis "${redis}" is not a Redis URL: write it as redis://host:port (rediss:// for TLS).`);
  const concurrency = integerFlag(flags.concurrency, 'concurrency', command, { min: 1, max: 10_000 }) ?? 1;
  const lockDurationMs = integerFlag(io.env['WEFT_LOCK_MS'], 'WEFT_LOCK_MS', command, { min: 1_000 });
  // Loaded here, not on start: the other commands work without bullmq installed.
  let bullmq: typeof import('../bullmq/index.js');
  try {
    bullmq = await import('../bullmq/index.js');
  } catch (error) {
    throw new UsageError(
      `weft worker needs bullmq and ioredis, which did not load: run "npm i bullmq ioredis". (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const ref = parseModuleRef(positionals[0] as string);
  const workflows = pickWorkflows(await importModule(ref.path, io.cwd), ref);
  let worker: ReturnType<typeof bullmq.createWorker>;
  try {
    worker = bullmq.createWorker({
      workflows,
      connection: redis,
      concurrency,
      ...(flags.queue === undefined ? {} : { queue: flags.queue }),
      ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
    });
  } catch (error) {
    // createWorker checks its options (queue and prefix names) before it connects: a mistake on the command line.
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  try {
    await worker.ready();
  } catch (error) {
    await worker.close().catch(() => undefined);
    throw error;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(1);
      stopping = true;
      io.stderr.write(`${signal}: stopping after the invocations in progress.\n`);
      worker.close().then(
        () => resolve(0),
        (error: unknown) => {
          io.stderr.write(`weft: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
          resolve(1);
        },
      );
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Printed only now: a script that signals as soon as it reads this line must find the handlers installed.
    const names = Object.keys(workflows).map((name) => `"${name}"`);
    io.stderr.write(
      `weft worker ready: ${names.join(', ')} from queue "${flags.queue ?? 'weft'}" on ${redis.replace(/\/\/[^@/]*@/, '//…@')}, ${concurrency} at once (pid ${process.pid})\n`,
    );
  });
}
