// GET /runs goes through the runs policy run by run, and answers small summaries (issue 11, repros 5 and 6).
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import type { ServerEnv } from 'weft/server';
import { afterEach, describe, expect, it } from 'vitest';
import { start, type Served } from './helpers.js';

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

/** Echoes its input's note; the input carries its owner and a payload of any size. */
const echo = executor({ id: 'echo', input: z.object({ userId: z.string(), note: z.string() }), handle: ({ note }, ctx) => ctx.output(note.length) });
const notes = new WorkflowBuilder({ name: 'notes', start: echo }).build();
const memos = new WorkflowBuilder({
  name: 'memos',
  start: executor({ id: 'memo', input: z.object({ userId: z.string(), note: z.string() }), handle: (_input, ctx) => ctx.output('ok') }),
}).build();

/** The serving guide's per-user policy: a run is visible only to the user in its input (the user is the x-user header). */
const ownRunsOnly: MiddlewareHandler<ServerEnv> = async (c, next) => {
  const run = c.get('run');
  if (run !== undefined && (run.input as { userId?: string }).userId !== c.req.header('x-user'))
    return c.json({ error: { code: 'not_found', message: 'No such run.' } }, 404);
  await next();
  return undefined;
};

const serveNotes = async (): Promise<Served> => {
  const served = await start({
    workflows: { notes, memos },
    expose: { notes: { route: ownRunsOnly, runs: ownRunsOnly }, memos: { route: ownRunsOnly, runs: ownRunsOnly } },
  });
  servers.push(served);
  return served;
};

const as = (user: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { 'content-type': 'application/json', 'x-user': user } });
const invoke = async (url: string, workflow: string, userId: string, note: string): Promise<string> =>
  (
    (await (
      await fetch(`${url}/workflows/${workflow}`, as(userId, { method: 'POST', body: JSON.stringify({ input: { userId, note }, wait: true }) }))
    ).json()) as { runId: string }
  ).runId;
const list = async (url: string, user: string, query = ''): Promise<{ runs: Record<string, unknown>[]; nextCursor: string | null }> => {
  const response = await fetch(`${url}/runs${query}`, as(user));
  expect(response.status).toBe(200);
  return (await response.json()) as { runs: Record<string, unknown>[]; nextCursor: string | null };
};

describe('GET /runs', () => {
  it("lists only the runs the per-user policy lets the caller read, with or without ?workflow=, never another user's", async () => {
    const { url } = await serveNotes();
    const alice = [await invoke(url, 'notes', 'alice', 'a1'), await invoke(url, 'memos', 'alice', 'a2'), await invoke(url, 'notes', 'alice', 'a3')];
    const bob = [await invoke(url, 'notes', 'bob', 'b1'), await invoke(url, 'memos', 'bob', 'b2')];

    expect((await list(url, 'alice')).runs.map((run) => run['id']).sort()).toEqual([...alice].sort());
    expect((await list(url, 'bob')).runs.map((run) => run['id']).sort()).toEqual([...bob].sort());
    expect((await list(url, 'alice', '?workflow=notes')).runs.map((run) => run['id']).sort()).toEqual([alice[0], alice[2]].sort());
    expect((await list(url, 'mallory')).runs).toEqual([]);
    expect((await list(url, 'mallory', '?workflow=notes')).runs).toEqual([]);
    // Pages keep the store's cursor: alice pages through her runs one at a time, past bob's.
    const seen: unknown[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const next: { runs: Record<string, unknown>[]; nextCursor: string | null } = await list(
        url,
        'alice',
        `?limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      seen.push(...next.runs.map((run) => run['id']));
      cursor = next.nextCursor;
      if (cursor === null) break;
    }
    expect(seen.sort()).toEqual([...alice].sort());
  });

  it('answers summaries without inputs or outputs, so a page of runs with large inputs stays small', async () => {
    const { url } = await serveNotes();
    const big = 'x'.repeat(200 * 1024);
    for (let index = 0; index < 8; index++) await invoke(url, 'notes', 'alice', big);

    const response = await fetch(`${url}/runs?limit=500`, as('alice'));
    const text = await response.text();
    const { runs } = JSON.parse(text) as { runs: Record<string, unknown>[] };
    expect(runs).toHaveLength(8);
    expect(text.length).toBeLessThan(8 * 400);
    expect(Object.keys(runs[0] as object).sort()).toEqual(['createdAt', 'id', 'pendingRequests', 'status', 'updatedAt', 'workflow']); // error: only when failed
    expect(runs[0]).toMatchObject({ workflow: 'notes', status: 'completed', pendingRequests: 0 });
  });
});
