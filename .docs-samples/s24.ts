import { z } from 'zod';
import { executor } from 'weft';

const tally = executor({
  id: 'tally',
  input: z.string(),
  handle: (word, ctx) => {
    ctx.shared.update<number>('words', (count) => (count ?? 0) + 1);
    ctx.shared.set(`last-word`, word);
  },
});