import { z } from 'zod';
import { executor } from 'weft';

const tally = executor({
  id: 'tally',
  input: z.string(),
  handle: (word, ctx) => {
    ctx.shared.update<number>('words', (count) => (count ?? 0) + 1); // the draft is undefined on a new key: return the value
    ctx.shared.update<string[]>('seen', (list) => [...(list ?? []), word]);
    ctx.shared.set('last-word', word);
    ctx.shared.get<number>('words');                                   // includes this invocation's own update
  },
});