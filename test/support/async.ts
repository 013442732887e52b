import type { Observable } from 'rxjs';
import type { WorkflowEvent, WorkflowEventOf, WorkflowEventType } from 'weft';

/** A promise with its resolve and reject exposed, to drive async handlers step by step (shared by every test folder). */
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
  readonly completed: boolean;
}

export function record(stream: Observable<WorkflowEvent>): Promise<Recorded> {
  const events: WorkflowEvent[] = [];
  return new Promise((resolve) => {
    stream.subscribe({
      next: (event) => events.push(event),
      error: (error: unknown) => resolve({ events, error, completed: false }),
      complete: () => resolve({ events, error: undefined, completed: true }),
    });
  });
}

export const types = (events: readonly WorkflowEvent[]): WorkflowEventType[] => events.map((event) => event.type);

export function ofType<T extends WorkflowEventType>(events: readonly WorkflowEvent[], type: T): WorkflowEventOf<T>[] {
  return events.filter((event): event is WorkflowEventOf<T> => event.type === type);
}

/** Runs `fn` and returns what it threw (fails when it does not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw or a rejection, but it returned');
}

/** Named deferreds created on first use, so a handler can wait on a gate the test opens later (or earlier). */
export class Gates {
  private readonly gates = new Map<string, Deferred>();
  private get(key: string): Deferred {
    let gate = this.gates.get(key);
    if (gate === undefined) this.gates.set(key, (gate = deferred()));
    return gate;
  }
  wait(key: string): Promise<void> {
    return this.get(key).promise;
  }
  open(key: string): void {
    this.get(key).resolve();
  }
  fail(key: string, error: unknown): void {
    this.get(key).reject(error);
  }
}

/** Resolves once `signal` aborts; never rejects. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

/** Tracks whether a promise has settled, without awaiting it. */
export function settled<T>(promise: Promise<T>): { readonly done: boolean; readonly promise: Promise<T> } {
  const state = { done: false, promise };
  promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}
