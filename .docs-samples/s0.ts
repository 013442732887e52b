import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';

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
const store = new SqliteCheckpointStore({ path: 'weft.db' });

/** Starts the run, or, when it has checkpoints already (the process died, or it is waiting), continues it. */
async function startOrResume(runId: string, input: number) {
  const latest = await store.latest(runId);
  if (latest === undefined) return workflow.run(input, { runId, checkpoints: store });
  return workflow.resume(latest.id, { checkpoints: store });
}

const result = await startOrResume('count-2024-06-01', 1);   // outputs: [1, 2, 3, 4, 5], however often it was interrupted