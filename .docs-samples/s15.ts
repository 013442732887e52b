import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
const double = fromFunction('double', (n: number) => n * 2);
const sink = executor({ id: 'sink', input: z.number(), handle: (n, ctx) => ctx.output(n) });

const workflow = new WorkflowBuilder({ name: 'calc', start: parse, output: z.number() })
  .addChain([parse, double, sink])     // = addEdge(parse, double).addEdge(double, sink)
  .build();