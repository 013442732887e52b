import { z } from 'zod';
import { executor } from 'weft';

const fetchPage = executor({
  id: 'fetch-page',
  input: z.string().url(),
  output: z.string(),
  retry: { attempts: 3, backoff: { initialMs: 200, factor: 2, maxMs: 2_000 } },
  timeoutMs: 5_000,
  handle: async (url, ctx) => {
    const response = await fetch(url, { signal: ctx.signal });   // stops when the attempt times out or the run is cancelled
    ctx.send(await response.text());
  },
});