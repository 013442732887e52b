import { CheckpointError, MemoryCheckpointStore, WorkflowBuilder, executor } from 'weft';
import { z } from 'zod';

const echo = executor({ id: 'echo', input: z.string(), handle: (text, ctx) => ctx.output(text) });
const workflow = new WorkflowBuilder({ name: 'echo', start: echo }).build();

try {
  await workflow.resume('no-such-checkpoint', { checkpoints: new MemoryCheckpointStore() });
} catch (error) {
  if (error instanceof CheckpointError) console.log(error.reason);   // 'not_found'
}