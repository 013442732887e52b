// The workflow the crash test kills and resumes, shared by the test (for the uninterrupted reference run)
// and by the child process (worker.ts). Deterministic: the same input always gives the same outputs.
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

/** What one crash run is asked to do. */
export const crashInputSchema = z.object({
  /** The counter counts 1..to, one number per superstep. */
  to: z.number().int().min(1),
  /** Size of a string kept in shared state, so that every full checkpoint is that much bigger and takes longer to write. */
  ballastKb: z.number().int().min(0),
});
export type CrashInput = z.infer<typeof crashInputSchema>;

/** One event-loop turn: every handler is asynchronous, as real work is. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const start = executor({
  id: 'start',
  input: crashInputSchema,
  output: z.number().int(),
  handle: async ({ to, ballastKb }, ctx) => {
    await turn();
    ctx.shared.set('to', to);
    if (ballastKb > 0) ctx.shared.set('ballast', 'w'.repeat(ballastKb * 1024));
    ctx.send(1);
  },
});

/** Counts in its own state and in shared state; loops on itself and tells `audit` about every number. */
const counter = executor({
  id: 'counter',
  input: z.number().int(),
  output: z.number().int(),
  initialState: { count: 0, sum: 0 },
  handle: async (n, ctx) => {
    await turn();
    ctx.setState((state) => {
      state.count += 1;
      state.sum += n;
    });
    ctx.shared.update<number>('total', (total) => (total ?? 0) + n);
    // Its own writes are visible at once: state and `total` already include n.
    ctx.output({ from: 'counter', n, count: ctx.state.count, sum: ctx.state.sum, total: ctx.shared.get<number>('total') });
    ctx.send(n, { to: 'audit' });
    if (n < (ctx.shared.get<number>('to') ?? 0)) ctx.send(n + 1, { to: 'counter' });
  },
});

/** Runs one superstep behind the counter, concurrently with it; sees shared state as committed before the superstep. */
const audit = executor({
  id: 'audit',
  input: z.number().int(),
  initialState: { recent: [] as number[] },
  handle: async (n, ctx) => {
    await turn();
    ctx.setState((state) => {
      state.recent.push(n);
      if (state.recent.length > 3) state.recent.shift();
    });
    ctx.shared.update<number[]>('audited', (list) => [...(list ?? []), n]);
    ctx.output(`audit ${n}: recent [${ctx.state.recent.join(',')}], committed total ${ctx.shared.get<number>('total')}`);
  },
});

export const crashWorkflow = new WorkflowBuilder({ name: 'crash-counter', start })
  .addEdge(start, counter)
  .addEdge(counter, counter)
  .addEdge(counter, audit)
  .build();
