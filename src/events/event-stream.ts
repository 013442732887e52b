import type { Subscriber, TeardownLogic } from 'rxjs';
// rxjs's own module, not its index: the index loads every operator, most of a fresh process's import time of weft.
import { Observable } from 'rxjs/internal/Observable';

/** An Observable that can also be consumed with `for await`; breaking out of the loop unsubscribes. */
export class EventStream<T> extends Observable<T> implements AsyncIterable<T> {
  constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic) {
    super(subscribe);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    let buffer: T[] = [];
    let head = 0;
    let failure: { error: unknown } | undefined;
    let done = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    const subscription = this.subscribe({
      next: (value) => {
        buffer.push(value);
        notify();
      },
      error: (error: unknown) => {
        failure = { error };
        notify();
      },
      complete: () => {
        done = true;
        notify();
      },
    });
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (head < buffer.length) {
            const value = buffer[head++] as T;
            if (head === buffer.length) {
              buffer = [];
              head = 0;
            }
            return { done: false, value };
          }
          if (failure !== undefined) throw failure.error;
          if (done) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        subscription.unsubscribe();
        done = true;
        buffer = [];
        head = 0;
        return { done: true, value: undefined };
      },
    };
  }
}
