import { z } from 'zod';
import { executor } from 'weft';

interface Draft { title: string; words: number }

const writer = executor({
  id: 'writer',
  input: z.string(),
  output: z.custom<Draft>(),   // types ctx.send; validates nothing
  handle: (topic, ctx) => ctx.send({ title: topic, words: 0 }),
});