import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

const counter = executor({
  id: 'counter',
  input: z.string(),
  output: z.string(),
  initialState: { seen: 0, last: null as string | null },
  handle: (word, ctx) => {
    ctx.setState((state) => {
      state.seen += 1;                      // mutate the draft…
      state.last = word;
    });
    ctx.output(`${ctx.state.seen}: ${word}`); // …and ctx.state already shows the write
    if (ctx.state.seen < 3) ctx.send(word.toUpperCase());
  },
});

const workflow = new WorkflowBuilder({ name: 'count', start: counter }).addEdge(counter, counter).build();
const { outputs } = await workflow.run('hi');   // ['1: hi', '2: HI', '3: HI']