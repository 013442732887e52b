// An executor's `yields` schema: ctx.output is validated against it at the call, and against the workflow's output at build.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  GraphValidationError,
  OutputValidationError,
  SequentialBuilder,
  WorkflowBuilder,
  executor,
  fromFunction,
  withApproval,
  type ExecutorOptions,
  type Schema,
} from 'weft';
import { caught, until } from '../support/async.js';

const causeOf = async (run: () => Promise<unknown>): Promise<unknown> => {
  const error = await caught(run);
  expect(error).toBeInstanceOf(ExecutorError);
  return (error as ExecutorError).cause;
};

describe('executor({ yields })', () => {
  it('keeps the schema on the executor, and outputs what passes it', async () => {
    const yields = z.string();
    const label = executor({ id: 'label', input: z.number(), yields, handle: (n, ctx) => ctx.output(`#${n}`) });
    expect(label.yields).toBe(yields);
    const result = await new WorkflowBuilder({ name: 'w', start: label, output: z.string() }).build().run(7);
    expect(result.outputs).toEqual(['#7']);
  });

  it('fails the invocation with an OutputValidationError naming the executor when a value does not pass', async () => {
    const label = executor({
      id: 'label',
      input: z.number(),
      yields: z.string(),
      handle: (n, ctx) => ctx.output(n as unknown as string),
    });
    // No workflow output schema: the executor's own declaration is what refuses the value.
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: label }).build().run(7));
    expect(cause).toBeInstanceOf(OutputValidationError);
    expect((cause as OutputValidationError).message).toMatch(
      /^Executor "label" output a value that does not match its own yields schema: .+\. Output what yields/,
    );
    expect((cause as OutputValidationError).issues).toHaveLength(1);
  });

  it('refuses an asynchronous yields schema at the call', async () => {
    const slow = z.string().refine(async () => true);
    const label = executor({ id: 'label', input: z.string(), yields: slow, handle: (text, ctx) => ctx.output(text) });
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: label }).build().run('x'));
    expect((cause as Error).message).toBe('Executor "label" has an asynchronous yields schema; yields schemas must validate synchronously.');
  });

  it('refuses at build a yields schema the workflow output schema can never accept', async () => {
    const count = executor({ id: 'count', input: z.string(), yields: z.number(), handle: (text, ctx) => ctx.output(text.length) });
    const build = () => new WorkflowBuilder({ name: 'w', start: count as never, output: z.string() }).build();
    const error = await caught(build);
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).issues).toEqual([
      {
        code: 'incompatible_schemas',
        message: `Executor "count" can never output a value the workflow's output schema accepts: its yields schema sends number but the workflow accepts string. Fix one of the schemas.`,
        executorIds: ['count'],
      },
    ]);
  });

  it('says how to fix a yields option that is not a schema', async () => {
    type Options = ExecutorOptions<Schema, undefined, undefined, undefined, Schema>;
    const make = () => executor({ id: 'bad', input: z.string(), yields: 'string', handle: () => undefined } as unknown as Options);
    expect(await caught(make)).toEqual(
      new TypeError('Executor "bad": yields must be a schema (zod or any Standard Schema), got string. Pass yields: z.string(), say.'),
    );
  });

  it('checks fromFunction outputs too', async () => {
    const flag = fromFunction('flag', (n: number, ctx) => ctx.output((n > 1) as unknown as true), { yields: z.literal(true) });
    expect((await new WorkflowBuilder({ name: 'w', start: flag }).build().run(2)).outputs).toEqual([true]);
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: flag }).build().run(0));
    expect(cause).toBeInstanceOf(OutputValidationError);
  });

  it('does not apply to sends that become outputs (the last step of a SequentialBuilder): those are typed by output', async () => {
    const last = executor({
      id: 'last',
      input: z.string(),
      output: z.number(),
      yields: z.string(),
      handle: (text, ctx) => {
        ctx.send(text.length);
        ctx.output(text);
      },
    });
    const result = await new SequentialBuilder({ participants: [last] }).build().run('abc');
    expect(result.outputs).toEqual([3, 'abc']);
  });

  it('lets a withApproval rejection through the yields of the executor it wraps when there is no onReject', async () => {
    const pay = executor({ id: 'pay', input: z.number(), yields: z.string(), handle: (n, ctx) => ctx.output(`paid ${n}`) });
    const approved = withApproval(pay, { describe: (n) => `Pay ${n}?` });
    const run = new WorkflowBuilder({ name: 'w', start: approved }).build().start(5);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'no' });
    expect((await run.result).outputs).toEqual([{ kind: 'approval.rejected', executorId: 'pay', input: 5, reason: 'no' }]);
  });
});
