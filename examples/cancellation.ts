/**
 * Cancelling a long run, with a live progress display driven by the event stream.
 *
 *   npx tsx examples/cancellation.ts
 *
 * Three pollers loop on themselves: each superstep, all three wait on a small timer and send the next tick
 * to themselves, so the run would go on for thousands of supersteps. An AbortController stops it after
 * 0.6 seconds. (`handle.cancel()` and unsubscribing from `stream()` stop a run the same way.)
 */
import { z } from 'zod';
import { RunCancelledError, WorkflowBuilder, executor, fromFunction, isWeftError, type WorkflowEvent } from 'weft';

const TICKS = 10_000; // each poller would loop this many times: far longer than we are willing to wait
const CANCEL_AFTER_MS = 600;

/** Waits `ms`, or rejects as soon as `signal` aborts, so a cancelled run does not wait for its timers. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort); // ctx.signal lives as long as the run: remove what you add
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

const poller = (id: string, everyMs: number) =>
  executor({
    id,
    input: z.number().int().min(0),
    output: z.number().int(),
    handle: async (tick, ctx) => {
      await sleep(everyMs, ctx.signal); // stands in for polling an API
      if (tick + 1 < TICKS) ctx.send(tick + 1);
      else ctx.output({ poller: id, ticks: TICKS });
    },
  });

const fast = poller('poll-fast', 1);
const medium = poller('poll-medium', 2);
const slow = poller('poll-slow', 3);
const kickoff = fromFunction('kickoff', (start: number) => start, { input: z.number().int().min(0), output: z.number().int() });

const workflow = new WorkflowBuilder({ name: 'pollers', start: kickoff, maxSupersteps: TICKS + 10 })
  .addFanOut(kickoff, [fast, medium, slow])
  .addEdge(fast, fast) // a loop is an edge back to the same executor
  .addEdge(medium, medium)
  .addEdge(slow, slow)
  .build();

// ── The progress display: everything it shows comes from the events ──

const tty = process.stdout.isTTY === true;
const PRINT_EVERY = 50; // supersteps between lines when the output is not a terminal
let superstep = 0;
let scheduled: readonly string[] = [];
const running = new Set<string>();
let invocations = 0;
let lastDraw = 0;
const startedAt = Date.now();

function progressLine(): string {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(2);
  return `superstep ${String(superstep).padStart(4)} · ${running.size}/${scheduled.length} executors running (${[...running].join(', ') || 'committing'}) · ${invocations} invocations · ${seconds} s`;
}

function draw(event: WorkflowEvent): void {
  if (tty) {
    if (event.at - lastDraw < 30) return; // redraw the one line at most ~30 times a second
    lastDraw = event.at;
    process.stdout.write(`\r${progressLine()}\x1b[K`);
  } else if (event.type === 'executor.invoked' && superstep % PRINT_EVERY === 0 && running.size === scheduled.length) {
    console.log(progressLine()); // every N supersteps, once all of its executors have started
  }
}

// ── Run, and cancel it after a while ──

const controller = new AbortController();
const timer = setTimeout(() => controller.abort(new Error(`stopped by the example after ${CANCEL_AFTER_MS} ms`)), CANCEL_AFTER_MS);

console.log(`Three pollers, ${TICKS} ticks each; cancelling after ${CANCEL_AFTER_MS} ms…`);
const run = workflow.start(0, { signal: controller.signal });
let cancelled: WorkflowEvent | undefined;
let eventsCompleted = false;
run.events$.subscribe({
  next: (event) => {
    switch (event.type) {
      case 'superstep.started':
        superstep = event.superstep;
        scheduled = event.executorIds;
        break;
      case 'executor.invoked':
        running.add(event.executorId);
        invocations++;
        break;
      case 'executor.completed':
      case 'executor.failed':
        running.delete(event.executorId);
        break;
      case 'run.cancelled':
        cancelled = event;
        break;
      default:
        break;
    }
    draw(event);
  },
  complete: () => (eventsCompleted = true),
});

let error: unknown;
try {
  await run.result;
} catch (caught) {
  error = caught;
}
const stoppedAfterMs = Date.now() - startedAt;
clearTimeout(timer);
if (tty) process.stdout.write('\n');

console.log(`\n${progressLine()}`);
console.log(
  `run.cancelled at superstep ${cancelled?.superstep ?? '?'}, reason: ${cancelled?.type === 'run.cancelled' ? String(cancelled.reason) : '?'}`,
);
console.log(
  `run.result rejected with ${error instanceof Error ? `${error.name} (${isWeftError(error) ? error.code : 'no code'}): ${error.message}` : String(error)}`,
);
console.log(
  `the run stopped ${stoppedAfterMs - CANCEL_AFTER_MS} ms after the abort; ${running.size} handler${running.size === 1 ? ' was' : 's were'} interrupted mid-flight (no executor.completed, nothing committed)`,
);

// ── Check ──

check(error instanceof RunCancelledError, 'run.result rejects with RunCancelledError');
check(isWeftError(error) && error.code === 'run_cancelled', 'its code is run_cancelled');
check(error.runId === run.runId, 'the error names the run');
check(cancelled?.type === 'run.cancelled', 'a run.cancelled event was emitted');
check(String(cancelled.reason).includes('stopped by the example'), 'run.cancelled carries the abort reason');
check(eventsCompleted, 'events$ completes after run.cancelled');
check(superstep > 20 && superstep < TICKS, `the run got going but did not finish (superstep ${superstep})`);
check(stoppedAfterMs - CANCEL_AFTER_MS < 500, `the run stopped promptly after the abort (${stoppedAfterMs - CANCEL_AFTER_MS} ms)`);
console.log('cancellation: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`cancellation example check failed: ${message}`);
}
