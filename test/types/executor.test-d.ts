import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { executor, type Executor, type ExecutorContext, type InputOf, type OutputOf } from 'weft';

describe('executor() inference', () => {
  it('infers Executor<input, output, undefined> from the schemas', () => {
    const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
    expectTypeOf(parse).toEqualTypeOf<Executor<string, number, undefined>>();
    expectTypeOf<InputOf<typeof parse>>().toEqualTypeOf<string>();
    expectTypeOf<OutputOf<typeof parse>>().toEqualTypeOf<number>();
  });

  it('types the message as the parsed input', () => {
    executor({
      id: 'typed',
      input: z.string(),
      handle: (message) => {
        expectTypeOf(message).toEqualTypeOf<string>();
      },
    });
    executor({
      id: 'object',
      input: z.object({ text: z.string(), tags: z.array(z.string()).optional() }),
      handle: (message) => {
        expectTypeOf(message).toEqualTypeOf<{ text: string; tags?: string[] | undefined }>();
      },
    });
    executor({
      id: 'transformed',
      input: z.string().transform((s) => s.length),
      handle: (message) => {
        expectTypeOf(message).toEqualTypeOf<number>();
      },
    });
  });

  it('lets ctx.send accept the output type and nothing else', () => {
    executor({
      id: 'sender',
      input: z.string(),
      output: z.number(),
      handle: (text, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<ExecutorContext<number, undefined>>();
        expectTypeOf(ctx.send).parameter(0).toEqualTypeOf<number>();
        ctx.send(text.length);
        // @ts-expect-error a string is not what this executor sends
        ctx.send(text);
      },
    });
    executor({
      id: 'literal-sender',
      input: z.string(),
      output: z.enum(['yes', 'no']),
      handle: (_, ctx) => {
        ctx.send('yes');
        // @ts-expect-error only 'yes' | 'no'
        ctx.send('maybe');
      },
    });
  });

  it('lets ctx.send accept nothing (never) without an output schema', () => {
    const sink = executor({
      id: 'sink',
      input: z.number(),
      handle: (n, ctx) => {
        expectTypeOf(ctx.send).parameter(0).toBeNever();
        // @ts-expect-error an executor without output cannot send
        ctx.send(n);
        // @ts-expect-error not even undefined
        ctx.send(undefined);
        ctx.output(n);
      },
    });
    expectTypeOf(sink).toEqualTypeOf<Executor<number, never, undefined>>();
    expectTypeOf<OutputOf<typeof sink>>().toBeNever();
  });

  it('infers TState from initialState and types ctx.state and ctx.setState', () => {
    const counter = executor({
      id: 'counter',
      input: z.number(),
      initialState: { count: 0, seen: [] as number[] },
      handle: (n, ctx) => {
        expectTypeOf(ctx.state).toEqualTypeOf<{ count: number; seen: number[] }>();
        ctx.setState((draft) => {
          expectTypeOf(draft.count).toEqualTypeOf<number>();
          draft.count += n;
          draft.seen.push(n);
        });
        ctx.setState(() => ({ count: 0, seen: [] }));
        ctx.setState((draft) => {
          // @ts-expect-error count is a number
          draft.count = 'many';
        });
        // @ts-expect-error a replacement must be a whole state
        ctx.setState(() => ({ count: 'zero' }));
      },
    });
    expectTypeOf(counter).toEqualTypeOf<Executor<number, never, { count: number; seen: number[] }>>();
    expectTypeOf(counter.initialState).toEqualTypeOf<{ count: number; seen: number[] }>();
  });

  it('types the state as undefined without initialState', () => {
    executor({
      id: 'stateless',
      input: z.string(),
      handle: (_, ctx) => {
        expectTypeOf(ctx.state).toEqualTypeOf<undefined>();
      },
    });
  });

  it('does not let the handler decide the state type', () => {
    executor({
      id: 'fixed',
      input: z.string(),
      initialState: { n: 0 },
      handle: (_, ctx) => {
        // @ts-expect-error the state type comes from initialState, not from setState
        ctx.setState(() => ({ n: 'x' }));
      },
    });
  });

  it('requires an input schema and a handler', () => {
    // @ts-expect-error input is required
    executor({ id: 'no-input', handle: () => undefined });
    // @ts-expect-error handle is required
    executor({ id: 'no-handle', input: z.string() });
    // @ts-expect-error the input must be a schema
    executor({ id: 'bad-input', input: 'string', handle: () => undefined });
  });

  it('rejects a handler whose message type does not match the schema', () => {
    // @ts-expect-error the schema parses strings, the handler wants numbers
    executor({ id: 'mismatch', input: z.string(), handle: (n: number) => void n });
  });
});
