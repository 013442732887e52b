import type { SerializedEvent } from '../index.js';
import type { Io } from './io.js';
import { formatEvent, initialProgress, reduceProgress, renderProgress, type ProgressState } from './progress.js';

/** Shows a run's events as they are stored. */
export interface Display {
  event(event: SerializedEvent): void;
  /** A line of its own, above the live block if there is one. */
  say(line: string): void;
  /** Draws the final state and stops redrawing. */
  stop(): void;
}

/** One plain line per event on stderr: for logs and pipes, never an escape sequence. */
export function plainDisplay(io: Io): Display {
  return {
    event: (event) => void io.stderr.write(`${formatEvent(event)}\n`),
    say: (line) => void io.stderr.write(`${line}\n`),
    stop: () => undefined,
  };
}

const FRAME_MS = 80;

/** The status block on a terminal's stderr, redrawn in place on every event and spinner frame. */
export function liveDisplay(io: Io, workflow: string, runId: string): Display {
  let state: ProgressState = initialProgress(workflow, runId);
  let frame = 0;
  let drawn = 0; // lines of the block on screen, to erase before the next draw
  const draw = (): void => {
    const lines = renderProgress(state, Date.now(), frame, io.stderr.columns > 0 ? Math.max(20, io.stderr.columns - 1) : 100);
    // Up to the block's first line, erase to the end of the screen, draw again.
    io.stderr.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[0J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  let timer: NodeJS.Timeout | undefined = setInterval(() => {
    frame++;
    draw();
  }, FRAME_MS);
  timer.unref();
  draw();
  return {
    event(event) {
      state = reduceProgress(state, event);
      if (timer === undefined) draw();
    },
    say(line) {
      io.stderr.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[0J${line}\n`);
      drawn = 0;
      draw();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      draw();
      drawn = 0; // leave the summary on screen
    },
  };
}
