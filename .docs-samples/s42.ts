import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

const review = executor({
  id: 'review',
  input: z.string(),
  response: z.object({ approved: z.boolean() }),
  initialState: { text: '' },
  handle: (text, ctx) => {
    ctx.setState(() => ({ text }));
    ctx.request({ text });
  },
  onResponse: (answer, _request, ctx) => {
    if (answer.approved) ctx.output(ctx.state.text);
  },
});
const editorial = new WorkflowBuilder({ name: 'editorial', start: review, output: z.string() }).build();

const draft = fromFunction('draft', (topic: string) => `A post about ${topic}`);
const publish = executor({ id: 'publish', input: z.string(), handle: (text, ctx) => ctx.output(`published: ${text}`) });
const blog = new WorkflowBuilder({ name: 'blog', start: draft })
  .addEdge(draft, editorial.asExecutor({ id: 'editorial' }))
  .addEdge('editorial', publish)
  .build();

const run = blog.start('cats');
run.events$.subscribe((event) => {
  if (event.type === 'request.created') {
    console.log(event.request.executorId, event.request.path);   // editorial ['editorial', 'review']
    void run.respond(event.request.id, { approved: true });
  }
});
console.log((await run.result).outputs);                         // ['published: A post about cats']