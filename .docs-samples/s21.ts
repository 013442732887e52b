import { z } from 'zod';
import { executor, fromFunction } from 'weft';

const parse = executor({
  id: 'parse',
  input: z.string(),         // validates every message delivered to it
  output: z.number(),        // what it sends; types ctx.send and the outgoing edges
  handle: (text, ctx) => ctx.send(Number(text)),
});

// A plain function: its return value is sent (undefined sends nothing). Sync or async.
const double = fromFunction('double', (n: number) => n * 2);