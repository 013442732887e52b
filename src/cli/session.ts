import { createInterface } from 'node:readline/promises';
import { isWeftError, type PendingRequest, type RunRecord, type RunStatus, type Runtime } from '../index.js';
import { CommandError, UsageError } from './args.js';
import { liveDisplay, plainDisplay, type Display } from './display.js';
import { EXIT, exitCodeOf, isInteractive, isLive, json, resultOf, type Io } from './io.js';
import { preview } from './progress.js';
import type { LogPosition, WatchedStore } from './store.js';

/** What a session needs to drive one run through its activations. */
export interface Session {
  readonly io: Io;
  readonly runtime: Runtime;
  readonly watched: WatchedStore;
  readonly workflow: string;
  /** The `weft runs resume` command line that answers a request, for the hint printed when the run waits. */
  readonly answerCommand: ((runId: string, requestId: string) => string) | undefined;
}

/**
 * Shows a run's progress from `from` (a position in its log) until the runtime writes a status other than running.
 * Ctrl+C cancels the run (a second one exits at once).
 */
async function watch(session: Session, runId: string, from: LogPosition): Promise<RunStatus> {
  const { io, watched, runtime } = session;
  const display: Display = isLive(io) ? liveDisplay(io, session.workflow, runId) : plainDisplay(io);
  let cancelling = false;
  const onSigint = (): void => {
    if (cancelling) process.exit(EXIT.cancelled);
    cancelling = true;
    display.say('cancelling the run (Ctrl+C again to quit at once)…');
    runtime
      .cancel(runId)
      .catch((error: unknown) => display.say(`weft: cancelling failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  process.on('SIGINT', onSigint);
  let unfollow = (): void => undefined;
  try {
    return await new Promise<RunStatus>((resolve, reject) => {
      unfollow = watched.follow(runId, from, {
        event: (event) => display.event(event),
        status: (written) => {
          if (written !== 'running') resolve(written);
        },
        failed: (error) =>
          reject(
            new CommandError(
              `writing run ${runId} to the run store failed (${error instanceof Error ? error.message : String(error)}); the run stopped where it was last recorded, still "running". Fix the store, then continue it with "weft runs resume ${runId} <module>".`,
            ),
          ),
      });
    });
  } finally {
    unfollow();
    display.stop();
    process.off('SIGINT', onSigint);
    // The runtime lets go of the run a few microtasks after writing its status: answer it only after that.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Asks for an answer on the terminal until the runtime takes one; `left` on an empty line or Ctrl+D, `cancelled` (the run too) on Ctrl+C. */
async function promptAnswer(session: Session, runId: string, request: PendingRequest): Promise<'answered' | 'left' | 'cancelled'> {
  const { io, runtime } = session;
  const prompt = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  const abort = new AbortController();
  let cancelled = false;
  prompt.on('SIGINT', () => {
    cancelled = true;
    abort.abort();
  });
  prompt.on('close', () => abort.abort());
  try {
    io.stderr.write(`\nRequest ${request.id} from ${request.path.join('/') || request.executorId}:\n${json(request.payload)}`);
    for (;;) {
      let text: string;
      try {
        text = (await prompt.question('answer (JSON; empty line to leave it waiting)> ', { signal: abort.signal })).trim();
      } catch {
        break;
      }
      if (text === '') break;
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch (error) {
        io.stderr.write(`That is not JSON (${error instanceof Error ? error.message : String(error)}); a string needs its quotes: "yes".\n`);
        continue;
      }
      try {
        await runtime.respond(runId, request.id, value);
        return 'answered';
      } catch (error) {
        if (!(isWeftError(error) && error.code === 'request_invalid')) throw error;
        io.stderr.write(`Refused: ${error.message}\n`);
      }
    }
  } finally {
    prompt.close();
  }
  if (cancelled) {
    await runtime.cancel(runId);
    return 'cancelled';
  }
  return 'left';
}

/** Prints why the run stopped and how to go on, then the result JSON on stdout; returns the exit code. */
export async function reportRun(session: Session, runId: string): Promise<number> {
  const { io, runtime } = session;
  const record = (await runtime.getRun(runId)) as RunRecord;
  if (record.status === 'failed') io.stderr.write(`weft: run ${runId} failed: ${record.error?.message ?? 'unknown error'}\n`);
  if (record.status === 'waiting') {
    const count = record.pendingRequests.length;
    io.stderr.write(`\nRun ${runId} is waiting for ${count} request${count === 1 ? '' : 's'}:\n`);
    for (const request of record.pendingRequests)
      io.stderr.write(`  ${request.id}  from ${request.path.join('/') || request.executorId}: ${preview(request.payload)}\n`);
    const command = session.answerCommand;
    if (command === undefined)
      io.stderr.write('The run was kept in memory (--memory) and ends with this process: run it with --db <file> to answer later.\n');
    else {
      io.stderr.write('Answer with:\n');
      for (const request of record.pendingRequests) io.stderr.write(`  ${command(runId, request.id)}\n`);
    }
  }
  io.stdout.write(json(resultOf(record)));
  return exitCodeOf(record.status);
}

/**
 * Drives a run to a stop and reports it: `start` starts (or continues) it and returns its id; progress is shown
 * until it stops; while it waits on a terminal, the answers are asked for and it goes on. Returns the exit code.
 */
export async function driveRun(session: Session, start: () => Promise<string>, from: LogPosition = { events: 0, statuses: 0 }): Promise<number> {
  const cancelEarly = (): void => process.exit(EXIT.cancelled); // nothing to cancel yet
  process.on('SIGINT', cancelEarly);
  let runId: string;
  try {
    runId = await start();
  } finally {
    process.off('SIGINT', cancelEarly);
  }
  await watch(session, runId, from);
  return settle(session, runId);
}

/** While the run waits and there is a terminal, asks for the answers and shows the run going on; then reports it. */
export async function settle(session: Session, runId: string): Promise<number> {
  const { io, runtime, watched } = session;
  for (;;) {
    const record = (await runtime.getRun(runId)) as RunRecord;
    const request = record.pendingRequests[0];
    if (record.status !== 'waiting' || !isInteractive(io) || request === undefined) break;
    const next = watched.position(runId); // answering starts the next activation: follow it from here
    if ((await promptAnswer(session, runId, request)) !== 'answered') break;
    await watch(session, runId, next);
  }
  return reportRun(session, runId);
}

/** Answers `requestId` with `value` from the command line and shows the run until it stops again; a refusal is a usage error. */
export async function answer(session: Session, runId: string, requestId: string, value: unknown): Promise<RunStatus> {
  const from = session.watched.position(runId);
  try {
    await session.runtime.respond(runId, requestId, value);
  } catch (error) {
    if (isWeftError(error) && error.code === 'request_invalid') throw new UsageError(`--respond ${requestId}=…: ${error.message}`);
    throw error;
  }
  return watch(session, runId, from);
}
