/**
 * The smallest weft workflow: parse → double → sink.
 *
 *   npx tsx examples/hello.ts
 *
 * Runs it three ways: `run()` for the result, `stream()` for the events, and once with bad input to show
 * how a message that fails the next executor's schema fails the run.
 */
import { z } from 'zod';
import { MessageValidationError, WorkflowBuilder, executor, fromFunction, type WorkflowEvent } from 'weft';

const parse = executor({
  id: 'parse',
  input: z.string(),
  output: z.number(), // what it sends; types the outgoing edges
  handle: (text, ctx) => ctx.send(Number(text)),
});
const double = fromFunction('double', (n: number) => n * 2); // the return value is sent
const sink = executor({ id: 'sink', input: z.number(), handle: (n, ctx) => ctx.output(n) });

const workflow = new WorkflowBuilder({ name: 'calc', start: parse, output: z.number() })
  .addEdge(parse, double)
  .addEdge(double, sink) // a compile error if double's output did not fit sink's input
  .build();

// 1. run(): one promise, resolved with the outputs.
const result = await workflow.run('21');
console.log(`run('21')    → outputs ${JSON.stringify(result.outputs)} in ${result.supersteps} supersteps (status ${result.status})`);
check(result.status === 'completed' && result.outputs.length === 1 && result.outputs[0] === 42, 'run() should output [42]');
check(result.supersteps === 3, 'parse, double and sink run in one superstep each');

// 2. stream(): a cold Observable of events; each subscription starts a new run. It is also async-iterable.
console.log(`stream('21') →`);
const events: WorkflowEvent[] = [];
for await (const event of workflow.stream('21')) {
  events.push(event);
  const who = 'executorId' in event ? ` ${event.executorId}` : '';
  const value = event.type === 'output' ? ` = ${JSON.stringify(event.value)}` : '';
  console.log(`  #${String(event.seq).padStart(2)} superstep ${event.superstep}  ${event.type}${who}${value}`);
}
const types = events.map((event) => event.type);
check(types[0] === 'run.started' && types.at(-1) === 'run.completed', 'the stream starts with run.started and ends with run.completed');
check(types.filter((type) => type === 'superstep.started').length === 3, 'three supersteps');
const output = events.find((event) => event.type === 'output');
check(output?.type === 'output' && output.value === 42 && output.executorId === 'sink', 'one output event, 42 from sink');
check(
  events.every((event, index) => event.seq === index),
  'seq numbers the events from 0',
);

// 3. Bad input: Number('twenty-one') is NaN, which sink's z.number() rejects when the message is delivered.
try {
  await workflow.run('twenty-one');
  throw new Error('run("twenty-one") should have failed');
} catch (error) {
  check(error instanceof MessageValidationError, `expected a MessageValidationError, got ${String(error)}`);
  console.log(`run('twenty-one') → rejects with ${error.name} (${error.code}): ${error.message}`);
  check(error.sourceId === 'double' && error.targetId === 'sink' && error.superstep === 3, 'the error names source, target and superstep');
}

console.log('hello: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`hello example check failed: ${message}`);
}
