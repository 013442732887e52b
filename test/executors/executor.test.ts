import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executor, fromFunction, type ExecutorOptions, type Schema } from 'weft';

const handle = (): void => undefined;
type Options = ExecutorOptions<Schema, undefined, undefined>;
const make = (options: Partial<Options>) => () => executor({ id: 'node', input: z.string(), handle, ...options } as Options);

describe('executor()', () => {
  it('returns a frozen executor with the documented defaults', () => {
    const input = z.string();
    const output = z.number();
    const e = executor({ id: 'parse', input, output, handle: (text, ctx) => ctx.send(Number(text)) });
    expect(e).toMatchObject({
      id: 'parse',
      kind: 'executor',
      input,
      output,
      concurrency: 1,
      retry: undefined,
      timeoutMs: undefined,
      initialState: undefined,
    });
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('keeps policies, copying and freezing retry and deep-freezing the initial state', () => {
    const retry = { attempts: 3, backoff: 10 };
    const initialState = { seen: [] as string[], meta: { count: 0 } };
    const e = executor({ id: 'policy', input: z.string(), concurrency: 4, retry, timeoutMs: 500, initialState, handle });
    expect(e).toMatchObject({ concurrency: 4, retry: { attempts: 3, backoff: 10 }, timeoutMs: 500 });
    expect(e.retry).not.toBe(retry);
    expect(Object.isFrozen(e.retry)).toBe(true);
    expect(e.initialState).toEqual({ seen: [], meta: { count: 0 } });
    expect(Object.isFrozen(e.initialState.seen)).toBe(true);
    expect(Object.isFrozen(e.initialState.meta)).toBe(true);
  });

  it.each<[string, Partial<Options>, RegExp]>([
    ['an empty id', { id: '' }, /An executor id must be a non-empty string, got ""\. Pass executor\(\{ id: "name", … \}\)\./],
    ['a non-string id', { id: 42 as unknown as string }, /An executor id must be a non-empty string, got 42\./],
    ['concurrency 0', { concurrency: 0 }, /Executor "node": concurrency must be an integer ≥ 1, got 0\./],
    ['concurrency 1.5', { concurrency: 1.5 }, /Executor "node": concurrency must be an integer ≥ 1, got 1\.5\./],
    ['retry.attempts 0', { retry: { attempts: 0 } }, /Executor "node": retry\.attempts counts every try and must be an integer ≥ 1, got 0\./],
    ['retry.attempts 2.5', { retry: { attempts: 2.5 } }, /retry\.attempts .* got 2\.5\./],
    ['timeoutMs -1', { timeoutMs: -1 }, /Executor "node": timeoutMs must be a positive number of milliseconds, got -1\./],
    ['timeoutMs 0', { timeoutMs: 0 }, /timeoutMs must be a positive number of milliseconds, got 0\./],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }, /timeoutMs .* got NaN\./],
  ])('throws a TypeError for %s', (_, options, message) => {
    expect(make(options)).toThrow(TypeError);
    expect(make(options)).toThrow(message);
  });

  it('accepts the boundary values', () => {
    expect(make({ concurrency: 1, retry: { attempts: 1 }, timeoutMs: 1 })).not.toThrow();
    expect(make({ concurrency: 1000, timeoutMs: 0.5 })).not.toThrow();
  });

  it('throws a TypeError without an input schema', () => {
    const missing = () => executor({ id: 'bare', handle } as unknown as Options);
    expect(missing).toThrow(TypeError);
    expect(missing).toThrow(
      /Executor "bare" needs an input schema \(zod or any Standard Schema\)\. Pass executor\(\{ id, input: z\.string\(\), … \}\)\./,
    );
  });

  it('throws a TypeError when the input is not a Standard Schema', () => {
    expect(() => executor({ id: 'fake', input: { parse: (v: unknown) => v } as unknown as Schema, handle })).toThrow(/needs an input schema/);
  });

  it('accepts any Standard Schema, not only zod', () => {
    const even: Schema<number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => (typeof value === 'number' && value % 2 === 0 ? { value } : { issues: [{ message: 'not even' }] }),
      },
    };
    expect(executor({ id: 'even', input: even, handle }).input).toBe(even);
  });
});

describe('fromFunction() options', () => {
  it('makes a frozen executor of kind "function" without schemas by default', () => {
    const e = fromFunction('double', (n: number) => n * 2);
    expect(e).toMatchObject({ id: 'double', kind: 'function', input: undefined, output: undefined, concurrency: 1, initialState: undefined });
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('keeps the schemas and policies it is given', () => {
    const input = z.number();
    const output = z.number();
    const e = fromFunction('double', (n: number) => n * 2, { input, output, concurrency: 2, retry: { attempts: 2 }, timeoutMs: 100 });
    expect(e).toMatchObject({ input, output, concurrency: 2, retry: { attempts: 2 }, timeoutMs: 100 });
  });

  it.each<[string, () => unknown, RegExp]>([
    ['an empty id', () => fromFunction('', (n: number) => n), /non-empty string/],
    ['concurrency 0', () => fromFunction('f', (n: number) => n, { concurrency: 0 }), /Executor "f": concurrency/],
    ['retry.attempts 0', () => fromFunction('f', (n: number) => n, { retry: { attempts: 0 } }), /Executor "f": retry\.attempts/],
    ['timeoutMs -1', () => fromFunction('f', (n: number) => n, { timeoutMs: -1 }), /Executor "f": timeoutMs/],
  ])('throws a TypeError for %s', (_, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});
