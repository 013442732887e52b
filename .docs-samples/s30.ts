import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

// A loop is an edge back to the same executor; `when` ends it.
const step = executor({ id: 'step', input: z.number(), output: z.number(), handle: (n, ctx) => (n < 1_000 ? ctx.send(n + 1) : ctx.output(n)) });
const loop = new WorkflowBuilder({ name: 'count', start: step }).addEdge(step, step).build();

const result = await loop.run(0, { maxSupersteps: 2_000, validate: 'edges-only' });
console.log(result.outputs, result.supersteps); // [1000] 1001