import { filter } from 'rxjs';
import { z } from 'zod';
import { WorkflowBuilder, executor, isEventType, type WorkflowEventOf } from 'weft';

const work = executor({
  id: 'work',
  input: z.number(),
  handle: async (n, ctx) => {
    for (let i = 1; i <= n; i++) ctx.emit('progress', { done: i, of: n });
  },
});
const workflow = new WorkflowBuilder({ name: 'work', start: work }).build();

workflow
  .stream(3)
  .pipe(filter(isEventType('custom')))
  .subscribe((event: WorkflowEventOf<'custom'>) => console.log(event.name, event.data));