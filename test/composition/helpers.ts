import type { Observable } from 'rxjs';
import { z } from 'zod';
import { executor, fromFunction, type Executor, type WorkflowEvent, type WorkflowEventOf, type WorkflowEventType } from 'weft';

/** A promise with its resolve and reject exposed, to drive async handlers step by step. */
export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One turn of the event loop (a macrotask), not a timed sleep. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the event loop turn until `condition` holds; fails after `turns` turns instead of hanging. */
export async function until(condition: () => boolean, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await tick();
  }
  if (!condition()) throw new Error(`condition still false after ${turns} event-loop turns`);
}

/** Tracks how many invocations are in flight, and the most seen at once. */
export class InFlight {
  current = 0;
  max = 0;
  enter(): void {
    this.current++;
    this.max = Math.max(this.max, this.current);
  }
  leave(): void {
    this.current--;
  }
}

/** Every event of a stream, and the error it ended with (undefined when it completed). */
export interface Recorded {
  readonly events: WorkflowEvent[];
  readonly error: unknown;
}

export function record(stream: Observable<WorkflowEvent>): Promise<Recorded> {
  const events: WorkflowEvent[] = [];
  return new Promise((resolve) => {
    stream.subscribe({
      next: (event) => events.push(event),
      error: (error: unknown) => resolve({ events, error }),
      complete: () => resolve({ events, error: undefined }),
    });
  });
}

export function ofType<T extends WorkflowEventType>(events: readonly WorkflowEvent[], type: T): WorkflowEventOf<T>[] {
  return events.filter((event): event is WorkflowEventOf<T> => event.type === type);
}

/** `type executorId path` of each event, for comparing orders at a glance. */
export const trace = (events: readonly WorkflowEvent[]): string[] =>
  events.map((event) => [event.type, 'executorId' in event ? event.executorId : '', event.path.join('/')].join(' ').replace(/\s+/g, ' ').trim());

/** Runs `fn` and returns what it threw (fails when it does not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw or a rejection, but it returned');
}

/** Resolves once `signal` aborts; never rejects. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

/** An executor that outputs whatever it receives. */
export function sink<T>(id: string, input: z.ZodType<T>): Executor<T, never, undefined> {
  return executor({ id, input, handle: (message, ctx) => ctx.output(message) });
}

/** A function executor that appends its id, so a result shows the path a message took. */
export const tag = (id: string): Executor<string, string, undefined> => fromFunction(id, (text: string) => `${text}>${id}`);
