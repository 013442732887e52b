import { MemoryCheckpointStore, WorkflowBuilder, executor } from 'weft';
import { z } from 'zod';

const work = executor({ id: 'work', input: z.string(), handle: (text, ctx) => ctx.output(text.toUpperCase()) });
const workflow = new WorkflowBuilder({ name: 'work', start: work }).build();

await workflow.run('fast', { checkpoints: new MemoryCheckpointStore(), durability: 'async', fullCheckpointEvery: 50 });