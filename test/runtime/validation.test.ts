// See docs/concepts/edges.md — messages are validated against the target's input schema at delivery, unless validate: 'edges-only'.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MessageValidationError, WorkflowBuilder, executor, isWeftError, type ValidationMode } from 'weft';
import { caught, ofType, record, types } from './helpers.js';

/** start sends its input to `strict`, whose schema wants a positive integer; the build-time check cannot tell. */
function strictWorkflow(validate?: ValidationMode) {
  const seen: unknown[] = [];
  const start = executor({ id: 'start', input: z.number(), output: z.number(), handle: (n, ctx) => ctx.send(n) });
  const strict = executor({
    id: 'strict',
    input: z.number().int().positive(),
    handle: (n, ctx) => {
      seen.push(n);
      ctx.output(n);
    },
  });
  const workflow = new WorkflowBuilder({ name: 'strict', start, ...(validate === undefined ? {} : { validate }) }).addEdge(start, strict).build();
  return { workflow, seen };
}

describe('message validation at delivery', () => {
  it('fails the run with a MessageValidationError naming source, target and the zod issues, before the target runs', async () => {
    const seen: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ a: z.number(), b: z.number() }),
      handle: (m, ctx) => ctx.send(m),
    });
    const picky = executor({
      id: 'picky',
      input: z.object({ a: z.number().int(), b: z.number().positive() }),
      handle: (m) => {
        seen.push(m);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'picky', start }).addEdge(start, picky).build();

    const { events, error } = await record(workflow.stream({ a: 1.5, b: -1 }));

    expect(error).toBeInstanceOf(MessageValidationError);
    const invalid = error as MessageValidationError;
    expect(isWeftError(invalid)).toBe(true);
    expect(invalid.code).toBe('message_invalid');
    expect(invalid.sourceId).toBe('start');
    expect(invalid.targetId).toBe('picky');
    expect(invalid.executorId).toBe('picky');
    expect(invalid.superstep).toBe(2);
    expect(invalid.runId).toBe(events[0]?.runId);
    expect(invalid.issues.map((issue) => issue.path)).toEqual([['a'], ['b']]);
    expect(invalid.message).toContain('"start"');
    expect(invalid.message).toContain('"picky"');
    for (const issue of invalid.issues) expect(invalid.message).toContain(issue.message);
    expect(seen).toEqual([]);
    expect(ofType(events, 'executor.invoked').map((e) => e.executorId)).toEqual(['start']);
    const failed = ofType(events, 'run.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toBe(invalid);
    expect(types(events).at(-1)).toBe('run.failed');
  });

  it('rejects run() with the same error', async () => {
    const { workflow } = strictWorkflow();
    const error = await caught(() => workflow.run(0));
    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).issues.map((issue) => issue.message)).toHaveLength(1);
  });

  it('names the failing target among several', async () => {
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const loose = executor({ id: 'loose', input: z.string(), handle: () => undefined });
    const short = executor({ id: 'short', input: z.string().max(3), handle: () => undefined });
    const workflow = new WorkflowBuilder({ name: 'fan', start }).addFanOut(start, [loose, short]).build();

    const error = await caught(() => workflow.run('too long'));

    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).targetId).toBe('short');
    expect((error as MessageValidationError).sourceId).toBe('start');
  });

  it('hands the parsed message (transforms applied) to the target', async () => {
    const seen: unknown[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.object({ text: z.string() }), handle: (text, ctx) => ctx.send({ text }) });
    const target = executor({
      id: 'target',
      input: z.object({ text: z.string().transform((text) => text.length) }),
      handle: (message) => {
        seen.push(message);
      },
    });
    // By id: the edge types compare the source's output with the target's *parsed* type ({ text: number }).
    const workflow = new WorkflowBuilder({ name: 'parse', start }).addEdge('start', target).build();

    await workflow.run('abcd');

    expect(seen).toEqual([{ text: 4 }]);
  });

  it('fills in a key the source never sends from the default of the target schema', async () => {
    const seen: unknown[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.object({ text: z.string() }), handle: (text, ctx) => ctx.send({ text }) });
    const target = executor({
      id: 'target',
      input: z.object({ text: z.string(), flag: z.boolean().default(true) }),
      handle: (message) => {
        seen.push(message);
      },
    });
    // Regression: build() used to reject this edge (zod 4 marks a defaulted key with _zod.optin === 'defaulted').
    const workflow = new WorkflowBuilder({ name: 'defaults', start }).addEdge(start, target).build();

    await workflow.run('abcd');

    expect(seen).toEqual([{ text: 'abcd', flag: true }]);
  });
});

describe("validate: 'edges-only'", () => {
  it('skips delivery validation when set on the builder', async () => {
    const { workflow, seen } = strictWorkflow('edges-only');

    const result = await workflow.run(-1.5);

    expect(seen).toEqual([-1.5]);
    expect(result.outputs).toEqual([-1.5]);
  });

  it('skips delivery validation when set as a run option', async () => {
    const { workflow, seen } = strictWorkflow();

    await expect(workflow.run(-1.5, { validate: 'edges-only' })).resolves.toMatchObject({ status: 'completed', outputs: [-1.5] });
    expect(seen).toEqual([-1.5]);
    // The option is per run: the workflow itself still validates.
    await expect(workflow.run(-1.5)).rejects.toBeInstanceOf(MessageValidationError);
  });

  it("is overridden by the run option validate: 'all'", async () => {
    const { workflow, seen } = strictWorkflow('edges-only');

    await expect(workflow.run(-1.5, { validate: 'all' })).rejects.toBeInstanceOf(MessageValidationError);
    expect(seen).toEqual([]);
  });
});
