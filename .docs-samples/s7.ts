import { MemoryCheckpointStore, WorkflowBuilder, executor, isWeftError } from 'weft';
import { z } from 'zod';

let upstreamDown = true;
const fetchPage = executor({
  id: 'fetch-page',
  input: z.number(),
  output: z.number(),
  handle: (page, ctx) => {
    if (page === 3 && upstreamDown) throw new Error('upstream is down');
    ctx.output(page);
    if (page < 4) ctx.send(page + 1);
  },
});
const workflow = new WorkflowBuilder({ name: 'pages', start: fetchPage }).addEdge(fetchPage, fetchPage).build();
const store = new MemoryCheckpointStore();

try {
  await workflow.run(1, { checkpoints: store });
} catch (error) {
  if (!isWeftError(error) || error.runId === undefined) throw error;
  const latest = await store.latest(error.runId);   // superstep 2: pages 1 and 2 are done
  upstreamDown = false;                             // later, once the upstream is back
  const result = await workflow.resume(latest?.id as string, { checkpoints: store });
  console.log(result.outputs);                      // [1, 2, 3, 4]
}