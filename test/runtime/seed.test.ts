// See docs/concepts/supersteps.md — Seed: the run input is validated against the start executor's schema before the run starts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, WorkflowInputError, executor, isWeftError } from 'weft';
import { caught, record, types } from './helpers.js';

const person = z.object({ name: z.string(), age: z.number().int() });

function personWorkflow(seen: unknown[] = []) {
  const greet = executor({
    id: 'greet',
    input: person,
    handle: (message, ctx) => {
      seen.push(message);
      ctx.output(`hello ${message.name}`);
    },
  });
  return new WorkflowBuilder({ name: 'greeter', start: greet }).build();
}

describe('seed: invalid input', () => {
  it('rejects run() with a WorkflowInputError listing every zod issue, and never calls the start handler', async () => {
    const seen: unknown[] = [];
    const workflow = personWorkflow(seen);

    const error = await caught(() => workflow.run({ name: 42, age: 1.5 } as never));

    expect(error).toBeInstanceOf(WorkflowInputError);
    const inputError = error as WorkflowInputError;
    expect(isWeftError(inputError)).toBe(true);
    expect(inputError.code).toBe('workflow_input_invalid');
    expect(inputError.executorId).toBe('greet');
    expect(inputError.issues).toHaveLength(2);
    expect(inputError.issues.map((issue) => issue.path)).toEqual([['name'], ['age']]);
    for (const issue of inputError.issues) expect(issue.message).toEqual(expect.any(String));
    expect(inputError.message).toContain('"greeter"');
    expect(inputError.message).toContain('"greet"');
    expect(inputError.message).toContain('name');
    expect(seen).toEqual([]);
  });

  it('emits no event at all on stream() (no run.started) and errors the stream with the WorkflowInputError', async () => {
    const workflow = personWorkflow();

    const { events, error, completed } = await record(workflow.stream({ name: 'ada' } as never));

    expect(events).toEqual([]);
    expect(completed).toBe(false);
    expect(error).toBeInstanceOf(WorkflowInputError);
    expect((error as WorkflowInputError).issues.map((issue) => issue.path)).toEqual([['age']]);
  });

  it('emits nothing on start().events$ and rejects its result', async () => {
    const workflow = personWorkflow();
    const handle = workflow.start('not an object' as never);
    const recorded = record(handle.events$);

    await expect(handle.result).rejects.toBeInstanceOf(WorkflowInputError);
    const { events, completed } = await recorded;
    expect(events).toEqual([]);
    expect(completed).toBe(true);
  });

  it('validates the input even when message validation is switched off', async () => {
    const workflow = new WorkflowBuilder({
      name: 'lenient',
      start: executor({ id: 'start', input: z.number(), handle: () => undefined }),
      validate: 'edges-only',
    }).build();

    await expect(workflow.run('x' as never)).rejects.toBeInstanceOf(WorkflowInputError);
    await expect(workflow.run('x' as never, { validate: 'edges-only' })).rejects.toBeInstanceOf(WorkflowInputError);
  });

  it('awaits an asynchronous schema and rejects when it fails', async () => {
    const seen: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.string().refine(async (value) => value.startsWith('ok'), 'must start with ok'),
      handle: (message) => {
        seen.push(message);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'async-schema', start }).build();

    const error = await caught(() => workflow.run('nope'));
    expect(error).toBeInstanceOf(WorkflowInputError);
    expect((error as WorkflowInputError).issues.map((issue) => issue.message)).toEqual(['must start with ok']);
    expect(seen).toEqual([]);

    await workflow.run('ok then');
    expect(seen).toEqual(['ok then']);
  });
});

describe('seed: valid input', () => {
  it('hands the parsed value (defaults and transforms applied) to the start handler', async () => {
    const seen: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.object({ text: z.string().transform((text) => text.toUpperCase()), times: z.number().default(3) }),
      handle: (message, ctx) => {
        seen.push(message);
        ctx.output(message.text.repeat(message.times));
      },
    });
    const workflow = new WorkflowBuilder({ name: 'parsed', start }).build();

    const result = await workflow.run({ text: 'ab' } as never);

    expect(seen).toEqual([{ text: 'AB', times: 3 }]);
    expect(result.outputs).toEqual(['ABABAB']);
  });

  it('starts the run: run.started first, then the start executor in superstep 1', async () => {
    const workflow = personWorkflow();

    const { events, error } = await record(workflow.stream({ name: 'ada', age: 36 }));

    expect(error).toBeUndefined();
    expect(types(events)).toEqual([
      'run.started',
      'superstep.started',
      'executor.invoked',
      'executor.completed',
      'output',
      'superstep.completed',
      'run.completed',
    ]);
    const started = events[0];
    expect(started?.type === 'run.started' && started.workflow).toBe('greeter');
  });
});
