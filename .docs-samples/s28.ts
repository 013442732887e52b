import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

const kickoff = executor({ id: 'kickoff', input: z.number(), output: z.number(), handle: (n, ctx) => ctx.send(n) });
const left = executor({
  id: 'left',
  input: z.number(),
  handle: (n, ctx) => {
    ctx.shared.update<number>('hits', (hits) => (hits ?? 0) + 1);
    ctx.shared.set('winner', 'left');
  },
});
const right = executor({
  id: 'right',
  input: z.number(),
  handle: (n, ctx) => {
    ctx.shared.update<number>('hits', (hits) => (hits ?? 0) + 1);
    ctx.shared.set('winner', 'right');
  },
});

const workflow = new WorkflowBuilder({ name: 'race', start: kickoff }).addFanOut(kickoff, [left, right]).build();
const { shared } = await workflow.run(1);    // { hits: 2, winner: 'right' }: right comes after left in graph order