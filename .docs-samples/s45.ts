import { WorkflowBuilder, executor, loop, type LoopResult } from 'weft';
import { z } from 'zod';

const improve = (draft: { text: string; score: number }) => ({ text: `${draft.text}!`, score: draft.score + 3 });

const polish = loop(improve, { id: 'polish', until: (draft) => draft.score >= 9, maxIterations: 5 });

const publish = executor({
  id: 'publish',
  input: z.custom<LoopResult<{ text: string; score: number }>>(),
  handle: (result, ctx) => ctx.output(result.reason === 'until' ? `published after ${result.iterations}: ${result.value.text}` : 'gave up'),
});

const workflow = new WorkflowBuilder({ name: 'writer', start: polish }).addEdge(polish, publish).build();
console.log((await workflow.run({ text: 'Hello', score: 0 })).outputs); // ['published after 3: Hello!!!']