import { WorkflowBuilder, executor, type WorkflowEvent } from 'weft';
import { z } from 'zod';

const importer = executor({
  id: 'import',
  input: z.array(z.string()),
  handle: async (rows, ctx) => {
    const parsed = await ctx.phase('parse', () => rows.map((row) => row.split(',')));
    for (const [i, row] of parsed.entries()) ctx.emit('progress', { done: i + 1, total: parsed.length, row: row[0] });
    ctx.output(parsed.length);
  },
});

const seen: string[] = [];
const run = new WorkflowBuilder({ name: 'import', start: importer }).build().start(['a,1', 'b,2']);
run.events$.subscribe((event: WorkflowEvent) => {
  if (event.type === 'phase.started') seen.push(`${event.path.join('/')}: ${event.name}…`);
  if (event.type === 'custom' && event.name === 'progress') seen.push(JSON.stringify(event.data));
});
await run.result;
console.log(seen); // ['import: parse…', '{"done":1,"total":2,"row":"a"}', '{"done":2,"total":2,"row":"b"}']