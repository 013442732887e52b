import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction, parallel } from 'weft';

const words = fromFunction('words', (text: string) => text.split(' ').length);
const shout = fromFunction('shout', (text: string) => text.toUpperCase());
const mood = async (text: string) => (text.includes('!') ? 'excited' : 'calm'); // a function is a branch too

const analysis = parallel([words, shout, mood], { id: 'analysis' });

const report = executor({
  id: 'report',
  input: z.tuple([z.number(), z.string(), z.string()]),
  handle: ([count, loud, feeling], ctx) => ctx.output(`${count} words, ${feeling}: ${loud}`),
});

const workflow = new WorkflowBuilder({ name: 'review', start: analysis }).addEdge(analysis, report).build();
const { outputs } = await workflow.run('what a day!');
console.log(outputs); // ['3 words, excited: WHAT A DAY!']