// The workflow of the lease-renewal test, shared by the holder (a child process) and the node that tries to take its
// run over: the same graph in both, as in a deployment.
import { z } from 'zod';
import { WorkflowBuilder, executor, type Workflow } from 'weft';

/** `step` loops 1 → 4, outputting each number; `onStep` runs at the start of every superstep's handler. */
export function stepsWorkflow(onStep: (superstep: number) => unknown = () => undefined): Workflow<number, unknown> {
  const step = executor({
    id: 'step',
    input: z.number().int(),
    output: z.number().int(),
    handle: (n, ctx) => {
      onStep(ctx.superstep);
      ctx.output(n);
      if (n < 4) ctx.send(n + 1);
    },
  });
  return new WorkflowBuilder({ name: 'steps', start: step }).addEdge(step, step).build() as unknown as Workflow<number, unknown>;
}
