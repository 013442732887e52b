import { describe, expectTypeOf, it } from 'vitest';
import { fromFunction, type Executor, type InputOf, type OutputOf } from 'weft';

describe('fromFunction() inference', () => {
  it('takes the input from the parameter and the output from the return type', () => {
    const double = fromFunction('double', (n: number) => n * 2);
    expectTypeOf(double).toEqualTypeOf<Executor<number, number, undefined>>();
    expectTypeOf(double).toExtend<Executor<number, number>>();
  });

  it('awaits an async function', () => {
    const length = fromFunction('length', async (s: string) => s.length);
    expectTypeOf(length).toEqualTypeOf<Executor<string, number, undefined>>();
    const promised = fromFunction('promised', (s: string): Promise<{ s: string }> => Promise.resolve({ s }));
    expectTypeOf<OutputOf<typeof promised>>().toEqualTypeOf<{ s: string }>();
  });

  it('drops undefined from the output: returning undefined sends nothing', () => {
    const maybe = fromFunction('maybe', (s: string) => (s.length > 0 ? s : undefined));
    expectTypeOf<OutputOf<typeof maybe>>().toEqualTypeOf<string>();
    const asyncMaybe = fromFunction('async-maybe', async (n: number) => (n > 0 ? n : undefined));
    expectTypeOf(asyncMaybe).toEqualTypeOf<Executor<number, number, undefined>>();
  });

  it('keeps falsy non-undefined members such as null and false', () => {
    const nullable = fromFunction('nullable', (n: number) => (n > 0 ? n : null));
    expectTypeOf<OutputOf<typeof nullable>>().toEqualTypeOf<number | null>();
  });

  it('sends nothing (never) from a function that returns nothing', () => {
    const log = fromFunction('log', (s: string): void => void s);
    expectTypeOf<InputOf<typeof log>>().toEqualTypeOf<string>();
    expectTypeOf<OutputOf<typeof log>>().toBeNever();
    const asyncLog = fromFunction('async-log', async (s: string): Promise<void> => void s);
    expectTypeOf<OutputOf<typeof asyncLog>>().toBeNever();
  });

  it('types ctx.send by the return type', () => {
    fromFunction('with-context', (n: number, ctx): number => {
      expectTypeOf(ctx.send).parameter(0).toEqualTypeOf<number>();
      expectTypeOf(ctx.state).toEqualTypeOf<undefined>();
      // @ts-expect-error the function returns numbers, so it sends numbers
      ctx.send('text');
      return n;
    });
  });

  it('types the message as unknown when the parameter is not annotated', () => {
    const anything = fromFunction('anything', (value) => String(value));
    expectTypeOf<InputOf<typeof anything>>().toEqualTypeOf<unknown>();
    expectTypeOf<OutputOf<typeof anything>>().toEqualTypeOf<string>();
  });
});
