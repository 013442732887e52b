import type { SerializedError, SerializedEvent } from './run-store.js';

/** How many times a run may start from one superstep without getting past it before `recover()` fails it. */
export const MAX_STARTS_WITHOUT_PROGRESS = 3;

/** The code of the error a run gets when every recovery of it ended the same way: with its process gone. */
export const CRASH_LOOP = 'recovery_crash_loop';

/**
 * Why the run must not be recovered again, or undefined when it may be: it was started (first, or by `recover()`)
 * MAX_STARTS_WITHOUT_PROGRESS times from the same superstep and no checkpoint past it was ever saved, so each
 * attempt took its process down (or was stopped) before the next superstep. Read from the stored events alone.
 */
export function crashLoop(runId: string, events: readonly SerializedEvent[]): SerializedError | undefined {
  const top = events.filter((event) => event.path.length === 0);
  const isStart = (event: SerializedEvent): boolean => event.type === 'run.started' || event.type === 'run.resumed';
  const from = [...top].reverse().find(isStart)?.superstep;
  if (from === undefined) return undefined;
  let starts = 0;
  for (let index = top.length - 1; index >= 0; index--) {
    const event = top[index] as SerializedEvent;
    if (event.type === 'checkpoint.saved' && event.superstep > from) break; // it got past that superstep once
    if (!isStart(event)) continue;
    if (event.superstep !== from) break;
    starts += 1;
  }
  if (starts < MAX_STARTS_WITHOUT_PROGRESS) return undefined;
  return {
    name: 'WeftError',
    code: CRASH_LOOP,
    message: `Run "${runId}" was started ${starts} times at superstep ${from} and its process stopped every time before superstep ${from + 1} was saved, so recover() gave up on it instead of taking the next process down too. Find what stops the process (a handler that exits, runs out of memory or hangs), fix it, and start a new run.`,
  };
}
