import { MemoryCheckpointStore, WorkflowBuilder, executor, isEventType } from 'weft';
import { z } from 'zod';

const grow = executor({
  id: 'grow',
  input: z.number(),
  output: z.number(),
  initialState: { log: [] as string[] },
  handle: (n, ctx) => {
    ctx.setState((state) => {
      state.log.push(`entry ${n}`.padEnd(1_000, '.'));   // the state grows by 1 kB each superstep
    });
    if (n < 30) ctx.send(n + 1);
  },
});
const workflow = new WorkflowBuilder({ name: 'grow', start: grow }).addEdge(grow, grow).build();

workflow.stream(1, { checkpoints: new MemoryCheckpointStore(), fullCheckpointEvery: 10 }).subscribe((event) => {
  if (isEventType('checkpoint.saved')(event)) console.log(event.superstep, event.kind, event.bytes);
});
// 0 full, then deltas of about 1.3 kB each (one entry), and at 10, 20 and 30 a full one of 10, 20 and 30 kB (the whole log)