import type { Context, MiddlewareHandler } from 'hono';
import type { RunRecord } from '../index.js';
import { errorBody } from './problem.js';

/** What weft puts on the Hono context before a policy runs, for policies that decide per workflow or per run. */
export interface ServerVariables {
  /** The workflow being invoked, or the workflow of the run being read. */
  workflow: string;
  /** The run being read, answered or cancelled (undefined when invoking or listing). */
  run: RunRecord | undefined;
}

/** The Hono environment of the app `createApp` returns. */
export interface ServerEnv {
  Variables: ServerVariables;
}

/**
 * An ordinary Hono middleware that lets a request through by calling `next()`, or refuses it by returning a
 * response (401, 403 …), throwing an `HTTPException`, or not calling `next()` (403). Type yours as
 * `MiddlewareHandler<ServerEnv>` to read `c.get('run')` and `c.get('workflow')`; any environment is accepted, so
 * that a policy can also read what the app's own middleware set.
 */
export type Policy = MiddlewareHandler<any>;

/**
 * The policy that lets everyone in: `{ route: allow, runs: allow }` makes a workflow public.
 * @example
 * createApp({ runtime, expose: { triage: { route: allow, runs: allow } } });
 */
export const allow: MiddlewareHandler = async (_c, next) => {
  await next();
};

/**
 * Runs `policies` in turn as middleware around `handler`, as Hono composes middleware: each must call `next()`
 * for the next one to run, and an error thrown further in becomes a response (through `fail`) before `next()`
 * returns, so a policy that works on `c.res` after `next()` sees it. A policy that returns without calling
 * `next()` and without a response refuses with 403.
 */
export async function through(
  c: Context<ServerEnv>,
  policies: readonly Policy[],
  handler: () => Promise<Response>,
  fail: (error: unknown) => Response,
): Promise<Response> {
  const step = async (index: number): Promise<void> => {
    const policy = policies[index];
    if (policy === undefined) {
      try {
        c.res = await handler();
      } catch (error) {
        c.res = fail(error);
      }
      return;
    }
    let reached = false;
    let returned: Response | void;
    try {
      returned = await policy(c, async () => {
        reached = true;
        await step(index + 1);
      });
    } catch (error) {
      c.res = fail(error);
      return;
    }
    if (reached) return;
    if (returned instanceof Response) c.res = returned;
    else if (!c.finalized) c.res = c.json(errorBody('forbidden', 'A policy refused the request.'), 403);
  };
  await step(0);
  return c.res;
}

/** Asks a policy whether it would let this request through, without running anything behind it. */
export async function admits(c: Context<ServerEnv>, policy: Policy): Promise<boolean> {
  let reached = false;
  try {
    await policy(c, async () => {
      reached = true;
    });
  } catch {
    return false; // e.g. HTTPException(401) from hono/bearer-auth: a refusal
  }
  return reached;
}
