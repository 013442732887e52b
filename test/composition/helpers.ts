import { z } from 'zod';
import { executor, fromFunction, type Executor, type WorkflowEvent } from 'weft';

export { deferred, tick, until, InFlight, record, ofType, caught, aborted } from '../support/async.js';
export type { Deferred, Recorded } from '../support/async.js';

/** `type executorId path` of each event, for comparing orders at a glance. */
export const trace = (events: readonly WorkflowEvent[]): string[] =>
  events.map((event) => [event.type, 'executorId' in event ? event.executorId : '', event.path.join('/')].join(' ').replace(/\s+/g, ' ').trim());

/** An executor that outputs whatever it receives. */
export function sink<T>(id: string, input: z.ZodType<T>): Executor<T, never, undefined> {
  return executor({ id, input, handle: (message, ctx) => ctx.output(message) });
}

/** A function executor that appends its id, so a result shows the path a message took. */
export const tag = (id: string): Executor<string, string, undefined> => fromFunction(id, (text: string) => `${text}>${id}`);
