// The workflows of the BullMQ tests and of bench/queue-throughput.ts, shared by the coordinators (and the in-process
// reference runs) and the worker processes: the same code everywhere, as in a deployment.
import { z } from 'zod';
import { WorkflowBuilder, executor, type Workflow } from 'weft';

/** A fan-out run's input: how many invocations, and how many rounds of arithmetic each computes (its CPU cost). */
export interface FanOutInput {
  readonly items: number;
  readonly spin: number;
}

/** Fixed work (not a time budget): a loaded machine slows it down instead of shortening it. */
export function spinFor(rounds: number, seed: number): number {
  let x = seed >>> 0;
  for (let i = 0; i < rounds; i++) x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
  return x;
}

/** How many rounds of `spinFor` take about `ms` here (measured once, on the calling process). */
export function roundsFor(ms: number): number {
  const probe = 2_000_000;
  const started = performance.now();
  spinFor(probe, 1);
  const elapsed = Math.max(performance.now() - started, 0.01);
  return Math.max(1, Math.round((probe / elapsed) * ms));
}

const item = z.object({ index: z.number().int(), spin: z.number().int() });

/**
 * split → work × items: all in one superstep, each a CPU-bound invocation that writes its executor's state and the
 * shared state, and outputs. The result depends on every invocation's effects and their order.
 */
export function fanOut(): Workflow<FanOutInput, unknown> {
  const split = executor({
    id: 'split',
    input: z.object({ items: z.number().int().min(1), spin: z.number().int().min(0) }),
    output: item,
    handle: ({ items, spin }, ctx) => {
      for (let index = 0; index < items; index++) ctx.send({ index, spin });
    },
  });
  const work = executor({
    id: 'work',
    input: item,
    initialState: { seen: {} as Record<string, number> },
    concurrency: 1_000,
    handle: ({ index, spin }, ctx) => {
      const value = spinFor(spin, index + 1) % 1_000;
      // Keys of their own: concurrent invocations' writes never overlap (see docs/concepts/checkpoints.md).
      ctx.setState((state) => {
        state.seen[String(index)] = value;
      });
      ctx.shared.set(`item-${index}`, value);
      ctx.output({ index, value });
    },
  });
  return new WorkflowBuilder({ name: 'fan-out', start: split }).addEdge(split, work).build() as unknown as Workflow<FanOutInput, unknown>;
}
