import { z } from 'zod';
import { executor } from 'weft';

const counter = executor({
  id: 'counter',
  input: z.string(),
  output: z.number(),
  initialState: { seen: 0 },
  handle: (_word, ctx) => {
    ctx.setState((state) => {
      state.seen += 1;                 // mutate the immer draft…
    });
    ctx.send(ctx.state.seen);          // …and ctx.state already shows the write
  },
});