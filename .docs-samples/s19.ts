import { z } from 'zod';
import { WorkflowBuilder, executor, isEventType } from 'weft';

const greet = executor({ id: 'greet', input: z.string(), handle: (name, ctx) => ctx.output(`hello, ${name}`) });
const workflow = new WorkflowBuilder({ name: 'greet', start: greet, output: z.string() }).build();

// 1. The result only.
const { outputs } = await workflow.run('Ada');                  // ['hello, Ada']

// 2. A cold stream: every subscription starts a new run; unsubscribing cancels it.
workflow.stream('Ada').subscribe((event) => console.log(event.seq, event.type));
for await (const event of workflow.stream('Ada')) {              // also async-iterable; `break` cancels the run
  if (isEventType('output')(event)) console.log(event.value);
}

// 3. A handle: hot events, the result, and cancel().
const run = workflow.start('Ada');
run.events$.subscribe((event) => console.log(event.type));      // subscribe in the same tick as start()
const result = await run.result;