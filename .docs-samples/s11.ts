import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

const clean = fromFunction('clean', (text: string) => text.trim().toLowerCase());
const score = fromFunction('score', (text: string) => text.length);
const scoring = new WorkflowBuilder({ name: 'scoring', start: clean }).addEdge(clean, score).asConnection({ exits: [score] });

const split = fromFunction('split', (pair: [string, string]) => pair);
const left = fromFunction('left', ([a]: [string, string]) => a);
const right = fromFunction('right', ([, b]: [string, string]) => b);
const compare = executor({ id: 'compare', input: z.tuple([z.number(), z.number()]), handle: ([a, b], ctx) => ctx.output(a - b) });

const builder = new WorkflowBuilder({ name: 'compare', start: split }).addFanOut(split, [left, right]);
const first = builder.addWorkflow(scoring, { prefix: 'first' });     // first/clean → first/score
const second = builder.addWorkflow(scoring, { prefix: 'second' });   // second/clean → second/score
const workflow = builder
  .addEdge(left, first.entry)
  .addEdge(right, second.entry)
  .addFanIn([first.exit, second.exit], compare)
  .build();