// See docs/concepts/errors.md — every code has one class, and each is what weft actually throws.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BudgetExceededError,
  ContextClosedError,
  ExecutorError,
  OutputValidationError,
  RequestError,
  TimeoutError,
  UnknownExecutorError,
  WorkflowBuilder,
  executor,
  isWeftError,
  type AnyWeftError,
} from 'weft';
import { caught, deferred } from '../support/async.js';

const causeOf = async (run: () => Promise<unknown>): Promise<unknown> => {
  const error = await caught(run);
  expect(error).toBeInstanceOf(ExecutorError);
  return (error as ExecutorError).cause;
};

/** A switch over the union: each case sees its own class, so the extra field compiles. */
function describeError(error: AnyWeftError): string {
  switch (error.code) {
    case 'executor_failed':
      return `failed after ${error.attempts}`;
    case 'unknown_executor':
      return `unknown ${error.id}`;
    case 'output_invalid':
      return `output ${error.issues.length} issue(s)`;
    case 'timeout':
      return `timeout ${error.timeoutMs}`;
    case 'context_closed':
      return `closed ctx.${error.member}`;
    case 'request_invalid':
      return `request ${error.reason}`;
    default:
      return error.code;
  }
}

describe('weft errors', () => {
  it('throws UnknownExecutorError for ctx.send to an id the graph lacks', async () => {
    const a = executor({ id: 'a', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m, { to: 'ghost' }) });
    const b = executor({ id: 'b', input: z.string(), handle: () => undefined });
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: a }).addEdge(a, b).build().run('x'));
    expect(cause).toBeInstanceOf(UnknownExecutorError);
    expect(isWeftError(cause) && describeError(cause)).toBe('unknown ghost');
  });

  it('throws UnknownExecutorError from builder.get', () => {
    const a = executor({ id: 'a', input: z.string(), handle: () => undefined });
    const error = (() => {
      try {
        new WorkflowBuilder({ name: 'w', start: a }).get('b');
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnknownExecutorError);
    expect((error as Error).message).toBe('Workflow "w" has no executor "b". Known executors: "a".');
  });

  it('throws OutputValidationError, with the issues, for an output the schema rejects', async () => {
    const a = executor({ id: 'a', input: z.string(), handle: (m, ctx) => ctx.output(m) });
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: a, output: z.number() }).build().run('x'));
    expect(cause).toBeInstanceOf(OutputValidationError);
    expect(isWeftError(cause) && describeError(cause)).toBe('output 1 issue(s)');
    expect((cause as Error).message).not.toMatch(/\.\./);
  });

  it('throws an exported TimeoutError, the cause of the ExecutorError, and retries it like a throw', async () => {
    let attempts = 0;
    const slow = executor({
      id: 'slow',
      input: z.string(),
      timeoutMs: 20,
      retry: { attempts: 2 },
      handle: async (_, ctx) => {
        attempts++;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    const error = await caught(() => new WorkflowBuilder({ name: 'w', start: slow }).build().run('x'));
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).attempts).toBe(2);
    expect(attempts).toBe(2);
    const cause = (error as ExecutorError).cause;
    expect(cause).toBeInstanceOf(TimeoutError);
    expect(isWeftError(cause) && describeError(cause)).toBe('timeout 20');
  });

  it('throws ContextClosedError when ctx is used after the invocation ended', async () => {
    const late = deferred<unknown>();
    const a = executor({
      id: 'a',
      input: z.string(),
      output: z.string(),
      handle: (m, ctx) => {
        setImmediate(() => {
          try {
            ctx.send(m);
            late.resolve(undefined);
          } catch (error) {
            late.resolve(error);
          }
        });
      },
    });
    const b = executor({ id: 'b', input: z.string(), handle: () => undefined });
    await new WorkflowBuilder({ name: 'w', start: a }).addEdge(a, b).build().run('x');
    const error = await late.promise;
    expect(error).toBeInstanceOf(ContextClosedError);
    expect(isWeftError(error) && describeError(error)).toBe('closed ctx.send');
    expect((error as Error).message).toContain('Executor "a" called ctx.send after its invocation ended');
  });

  it('throws RequestError for ctx.request without onResponse', async () => {
    const a = executor({ id: 'a', input: z.string(), handle: (_, ctx) => void ctx.request('?') });
    const cause = await causeOf(() => new WorkflowBuilder({ name: 'w', start: a }).build().run('x'));
    expect(cause).toBeInstanceOf(RequestError);
    expect(isWeftError(cause) && describeError(cause)).toBe('request no_response_handler');
  });

  it('says who cannot charge once the budget is spent', () => {
    expect(new BudgetExceededError(10, 12, { executorId: 'doc-search' }).message).toContain('so "doc-search" cannot charge any more.');
  });
});
