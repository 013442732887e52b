// The routes weft/server adds for the console, over real HTTP: behind the same policies as the API.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WorkflowBuilder, createRuntime, executor, fromWorkflow, MemoryRunStore } from 'weft';
import { allow, createApp, serve } from 'weft/server';
import { http, requireToken, waitForStatus } from '../server/helpers.js';
import { approval, double } from '../server/workflows.js';

const directory = mkdtempSync(join(tmpdir(), 'weft-console-routes-'));
const assets = join(directory, 'ui');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Adds to a shared counter each superstep; the inner workflow is nested. */
const add = executor({
  id: 'add',
  input: z.number(),
  output: z.number(),
  retry: { attempts: 2 },
  handle: (n, ctx) => {
    ctx.shared.update<number>('total', (total) => (total ?? 0) + n);
    if (n < 3) ctx.send(n + 1);
    else ctx.output(n);
  },
});
const inner = new WorkflowBuilder({ name: 'inner', start: add }).addEdge(add, add).build();
const outer = new WorkflowBuilder({ name: 'outer', start: fromWorkflow(inner, { id: 'count' }) }).build();

/** Fails until `healed` is set: a failed run to resume. */
let healed = false;
const fragile = executor({
  id: 'fragile',
  input: z.number(),
  handle: (n, ctx) => {
    if (!healed) throw new Error('not yet');
    ctx.output(n);
  },
});
const first = executor({ id: 'first', input: z.number(), output: z.number(), handle: (n, ctx) => ctx.send(n) });
const flaky = new WorkflowBuilder({ name: 'flaky', start: first }).addEdge(first, fragile).build();

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start(policy = allow, ui: boolean = true) {
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>weft</title>');
  writeFileSync(join(assets, 'console.js'), 'console.log(1)');
  const runtime = createRuntime({ workflows: { outer, inner, flaky, double, approval }, store: new MemoryRunStore() });
  const app = createApp({
    runtime,
    expose: {
      outer: { route: policy, runs: policy },
      inner: { route: policy, runs: policy },
      flaky: { route: policy, runs: policy },
      double: { runs: policy },
      approval: { route: policy, runs: policy },
    },
    ...(ui ? { ui: { assets } } : {}),
  });
  const server = await serve(app);
  closers.push(async () => {
    await server.close();
    await runtime.close();
  });
  return { url: server.url, runtime };
}

describe('console routes', () => {
  it('GET /workflows/:name describes the graph with nested graphs, policies and response schemas', async () => {
    const { url } = await start();
    const { status, body } = await http(`${url}/workflows/outer`);
    expect(status).toBe(200);
    const count = body.workflow.executors[0];
    expect(count).toMatchObject({
      id: 'count',
      kind: 'workflow',
      graph: { name: 'inner', start: 'add', edges: [{ kind: 'direct', source: 'add', target: 'add' }] },
    });
    expect(count.graph.executors[0]).toMatchObject({ id: 'add', retry: { attempts: 2 }, input: { type: 'number' } });
    expect(body.workflow.access).toEqual({ invoke: true, read: true });
    expect((await http(`${url}/workflows/approval`)).body.workflow.executors[0].response).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' } },
    });
    // Read-only: described, but not startable.
    expect((await http(`${url}/workflows/double`)).body.workflow.access).toEqual({ invoke: false, read: true });
    expect((await http(`${url}/workflows/nope`)).status).toBe(404);
  });

  it('lists checkpoints, the state diff of each superstep on request, and the full state of one', async () => {
    const { url, runtime } = await start();
    const { runId } = await runtime.invoke('inner', 1, { wait: true });
    const { status, body } = await http(`${url}/runs/${runId}/checkpoints`);
    expect(status).toBe(200);
    const checkpoints = body.checkpoints as { id: string; superstep: number; kind: string; outputs: unknown[] }[];
    expect(checkpoints.map((c) => c.superstep)).toEqual([0, 1, 2, 3]);
    expect(checkpoints.map((c) => c.outputs)).toEqual([[], [], [], [3]]);
    expect(checkpoints.some((c) => c.kind === 'delta')).toBe(true); // the diffs come from deltas, not only snapshots
    const changes = await Promise.all(checkpoints.map(async (c) => (await http(`${url}/runs/${runId}/checkpoints/${c.id}/changes`)).body));
    expect(changes.map((answer) => answer.changes)).toEqual([
      [],
      [{ op: 'add', path: ['shared', 'total'], after: 1 }],
      [{ op: 'replace', path: ['shared', 'total'], before: 1, after: 3 }],
      [{ op: 'replace', path: ['shared', 'total'], before: 3, after: 6 }],
    ]);
    expect(changes[2]).toMatchObject({ checkpointId: checkpoints[2]?.id, superstep: 2 });
    const full = await http(`${url}/runs/${runId}/checkpoints/${checkpoints[2]?.id}`);
    expect(full.status).toBe(200);
    expect(full.body.checkpoint).toMatchObject({ runId, superstep: 2, shared: { total: 3 } });
    // Another run's checkpoint is not this run's, for its state or its changes.
    const other = await runtime.invoke('inner', 2, { wait: true });
    for (const path of [`checkpoints/${checkpoints[1]?.id}`, `checkpoints/${checkpoints[1]?.id}/changes`, 'checkpoints/nope/changes']) {
      const refused = await http(`${url}/runs/${other.runId}/${path}`);
      expect(refused.status).toBe(404);
      expect(refused.body.error.message).toContain(`GET /runs/${other.runId}/checkpoints lists them`);
    }
  });

  it('forks a run from a checkpoint into a new run, and resumes a failed one', async () => {
    const { url, runtime } = await start();
    const waiting = await runtime.invoke('approval', { amount: 7 }, { wait: true });
    expect(waiting.run.status).toBe('waiting');
    const [base] = (await http(`${url}/runs/${waiting.runId}/checkpoints`)).body.checkpoints;
    const forked = await http(`${url}/runs/${waiting.runId}/fork`, { body: { checkpointId: base.id } });
    expect(forked.status).toBe(202);
    expect(forked.body.forkedFrom).toEqual({ runId: waiting.runId, checkpointId: base.id });
    const fork = await waitForStatus(url, forked.body.runId, ['waiting']);
    expect(fork).toMatchObject({ workflow: 'approval', input: { amount: 7 } });
    expect(fork.id).not.toBe(waiting.runId);
    expect((await http(`${url}/runs/${waiting.runId}/fork`, { body: { checkpointId: 'nope' } })).status).toBe(404);
    expect((await http(`${url}/runs/${waiting.runId}/fork`, { body: {} })).body.error.code).toBe('invalid_body');

    healed = false;
    const failed = await runtime.invoke('flaky', 5, { wait: true });
    expect(failed.run.status).toBe('failed');
    healed = true;
    const resumed = await http(`${url}/runs/${failed.runId}/resume`, { method: 'POST' });
    expect(resumed.status).toBe(200);
    expect((await waitForStatus(url, failed.runId, ['completed'])).outputs).toEqual([5]);
    const again = await http(`${url}/runs/${failed.runId}/resume`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('run_not_resumable');
  });

  it('keeps every console route behind the workflow policies: 401 without the token, served with it', async () => {
    const { url, runtime } = await start(requireToken);
    const { runId } = await runtime.invoke('outer', 1, { wait: true });
    const good = { authorization: 'Bearer good' };
    const [first] = (await http(`${url}/runs/${runId}/checkpoints`, { headers: good })).body.checkpoints;
    const one = `/runs/${runId}/checkpoints/${first.id}`;
    for (const path of ['/workflows/outer', `/runs/${runId}/checkpoints`, one, `${one}/changes`]) {
      expect((await http(`${url}${path}`)).status).toBe(401);
      expect((await http(`${url}${path}`, { headers: good })).status).toBe(200);
    }
    expect((await http(`${url}/runs/${runId}/fork`, { body: { checkpointId: 'x' } })).status).toBe(401);
    expect((await http(`${url}/runs/${runId}/resume`, { method: 'POST' })).status).toBe(401);
    // A workflow with only a runs policy: its runs can be read, not forked.
    const doubled = await runtime.invoke('double', { n: 1 }, { wait: true });
    const [checkpoint] = (await http(`${url}/runs/${doubled.runId}/checkpoints`, { headers: good })).body.checkpoints;
    const refused = await http(`${url}/runs/${doubled.runId}/fork`, { body: { checkpointId: checkpoint.id }, headers: good });
    expect(refused.status).toBe(403);
    // The console's files are the package's static files, with no data in them: they load without the token.
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>weft</title>');
  });

  it('serves only the built files under /ui/, and no /ui at all without the ui option', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/ui/console.js`)).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${url}/ui/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${url}/ui/missing.js`)).status).toBe(404);
    const redirect = await fetch(`${url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const plain = await start(allow, false);
    expect((await fetch(`${plain.url}/ui/`)).status).toBe(404);
  });

  it('refuses a ui folder without index.html, saying how to build it', async () => {
    const runtime = createRuntime({ workflows: { double }, store: new MemoryRunStore() });
    expect(() => createApp({ runtime, expose: { double: { runs: allow } }, ui: { assets: directory + '/nowhere' } })).toThrow(
      /no console assets in ".*nowhere".*npm run build/,
    );
    await runtime.close();
  });
});
