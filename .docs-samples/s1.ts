import { MemoryCheckpointStore, WorkflowBuilder, executor, loadCheckpoint } from 'weft';
import { z } from 'zod';

const collect = executor({
  id: 'collect',
  input: z.string(),
  initialState: { items: [] as string[] },
  handle: (item, ctx) => {
    ctx.setState((state) => {
      state.items.push(item);
    });
    ctx.output(item.length);
  },
});
const workflow = new WorkflowBuilder({ name: 'collect', start: collect }).build();

const store = new MemoryCheckpointStore();
const result = await workflow.run('pears', { checkpoints: store });
const checkpoint = await loadCheckpoint(store, result.checkpointId as string);
console.log(checkpoint.superstep, checkpoint.executorStates, checkpoint.outputs); // 1 { collect: { items: ['pears'] } } [5]