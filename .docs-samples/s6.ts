import { MemoryCheckpointStore, WorkflowBuilder, executor } from 'weft';
import { z } from 'zod';

const step = executor({
  id: 'step',
  input: z.number(),
  output: z.number(),
  handle: (n, ctx) => {
    ctx.output(n);
    if (n < 5) ctx.send(n + 1);
  },
});
const workflow = new WorkflowBuilder({ name: 'count', start: step }).addEdge(step, step).build();
const store = new MemoryCheckpointStore();

const original = await workflow.run(1, { checkpoints: store });
const third = (await store.list(original.runId)).find((stored) => stored.superstep === 3);
const fork = await workflow.resume(third?.id as string, { checkpoints: store });

console.log(fork.outputs, fork.runId === original.runId);                   // [1, 2, 3, 4, 5] false
console.log((await store.list(fork.runId))[0]?.parentId === third?.id);      // true