// `weft serve`, `weft run` and `weft runs` on a Postgres database (--db postgres://…): several `weft serve` nodes on
// loopback ports share the runs of one database, and the nodes that live on take over the runs of one that died.
import { afterAll, afterEach, expect, it } from 'vitest';
import { fixture, jsonLines, record, start, tempDir, weft, type Running } from '../cli/helpers.js';
import { describePostgres, freshDatabase, postgresUrl } from '../support/postgres-inject.js';
import { effectsIn } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const nodes: Running[] = [];
afterEach(() => {
  for (const node of nodes.splice(0)) node.child.kill('SIGKILL');
});

/** Starts `weft serve test/multiprocess/nodes.ts --db <url>` on a free port; resolves with it and its URL once it serves. */
async function serveNode(db: string, env: Record<string, string>): Promise<{ node: Running; url: string }> {
  const node = start(['serve', 'test/multiprocess/nodes.ts', '--public', '--db', db, '--port', '0'], { env });
  nodes.push(node);
  await node.waitFor('Ctrl+C stops it.');
  return { node, url: node.stdout().split('\n')[0] as string };
}

const post = async (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A run's events as a node streams them; the stream ends once the run has ended. */
const streamed = async (url: string, runId: string): Promise<string> => (await fetch(`${url}/runs/${runId}/events`)).text();

const runOf = async (url: string, runId: string): Promise<{ status: string; outputs: unknown[] }> =>
  ((await (await fetch(`${url}/runs/${runId}`)).json()) as { run: { status: string; outputs: unknown[] } }).run;

describePostgres('weft serve --db postgres://… on several nodes', () => {
  it('serves a run started on one node to the others: followed live on a second, answered on a third', async () => {
    const db = await freshDatabase(postgresUrl() as string);
    const effects = dir.file('answered.jsonl');
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => serveNode(db, { WEFT_TEST_EFFECTS: effects })));
    expect(a!.node.stderr()).toContain(`runs in ${db}`);

    const created = (await (await post(`${a!.url}/workflows/refund`, { input: { order: 7, amount: 30 }, wait: true })).json()) as {
      runId: string;
      run: { status: string; pendingRequests: { id: string }[] };
    };
    expect(created.run.status).toBe('waiting');
    const following = streamed(b!.url, created.runId);
    const answered = await post(`${c!.url}/runs/${created.runId}/responses`, {
      requestId: created.run.pendingRequests[0]!.id,
      value: { approved: true },
    });
    expect(answered.status).toBe(202);

    const events = await following;
    expect(events).toContain('run.completed');
    expect(await runOf(a!.url, created.runId)).toMatchObject({ status: 'completed', outputs: ['paid 30 for order 7'] });
    expect(effectsIn(effects).map((effect) => effect.what)).toEqual(['pay 7']);
  });

  it('takes over the runs of a node that was killed mid-run on the nodes that live on, each run on one of them, each side effect once', async () => {
    const db = await freshDatabase(postgresUrl() as string);
    const effects = dir.file('takeover.jsonl');
    // A lease a live node renews in time even on a loaded machine; a dead one's runs wait that long.
    const env = { WEFT_TEST_EFFECTS: effects, WEFT_LEASE_MS: '3000' };
    const [a, b, c] = await Promise.all([serveNode(db, { ...env, WEFT_TEST_HOLD_AT: '2' }), serveNode(db, env), serveNode(db, env)]);
    const runIds: string[] = [];
    for (let index = 0; index < 6; index++) {
      const invoked = await post(`${a!.url}/workflows/steps`, { input: { at: 1, to: 4 } });
      expect(invoked.status).toBe(202);
      runIds.push(((await invoked.json()) as { runId: string }).runId);
    }
    // Node a holds all six inside superstep 2 (before its side effect); b follows them.
    await a!.node.waitFor(/(held \S+\n[^]*){6}/);
    const following = runIds.map((runId) => streamed(b!.url, runId));

    a!.node.child.kill('SIGKILL');
    await a!.node.done;
    for (const events of await Promise.all(following)) expect(events).toContain('run.completed');

    for (const runId of runIds) expect(await runOf(c!.url, runId)).toMatchObject({ status: 'completed', outputs: [1, 2, 3, 4] });
    const done = effectsIn(effects);
    expect(done.map((effect) => `${effect.runId} ${effect.superstep}`).sort()).toEqual(
      runIds.flatMap((runId) => [1, 2, 3, 4].map((superstep) => `${runId} ${superstep}`)).sort(),
    );
    // Superstep 1 ran on a; 2 to 4 of each run on one node that lived on.
    const survivors = new Set([b!.node.child.pid, c!.node.child.pid]);
    for (const runId of runIds) {
      const pids = new Set(done.filter((effect) => effect.runId === runId && effect.superstep >= 2).map((effect) => effect.pid));
      expect(pids.size).toBe(1);
      expect(survivors.has([...pids][0])).toBe(true);
      expect(done.find((effect) => effect.runId === runId && effect.superstep === 1)?.pid).toBe(a!.node.child.pid);
    }
  });

  it('records a run of weft run in the database (in the schema ?schema= names), for weft runs list, show, events and resume to read and answer', async () => {
    const database = await freshDatabase(postgresUrl() as string);
    const db = `${database}?schema=cli_runs`; // weft's tables in a schema of their own
    const workflows = fixture('workflows.ts');
    const waiting = await weft(['run', `${workflows}#approval`, '--input', '{"amount":12}', '--db', db]);
    expect(waiting.code, waiting.stderr).toBe(3);
    const run = record(waiting);
    expect(waiting.stderr).toContain(`recorded in ${db}`);
    expect(waiting.stderr).toContain(`--db '${db}'`); // the answer command names the database (quoted for the shell: a ?)

    const listed = await weft(['runs', 'list', '--db', db]);
    expect(jsonLines<{ id: string; status: string }>(listed.stdout)).toEqual([expect.objectContaining({ id: run.id, status: 'waiting' })]);
    const answered = await weft(['runs', 'resume', run.id, workflows, '--db', db, '--respond', `${run.pendingRequests[0]!.id}={"approved":true}`]);
    expect(answered.code, answered.stderr).toBe(0);
    expect(record(answered)).toMatchObject({ status: 'completed', outputs: [{ amount: 12, approved: true }] });
    const shown = await weft(['runs', 'show', run.id, '--db', db]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: run.id, workflow: 'approval', status: 'completed' });
    const events = jsonLines<{ type: string }>((await weft(['runs', 'events', run.id, '--db', db])).stdout);
    expect(events.map((event) => event.type)).toContain('request.answered');
    expect(events.at(-1)?.type).toBe('run.completed');
    // The schema public holds no runs: they went to cli_runs.
    expect((await weft(['runs', 'list', '--db', database])).stdout).toBe('');
    const empty = await weft(['runs', 'list', '--db', `${database}?schema=`]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('schema= is empty');
  });

  it('names the fix when the database cannot be reached, without printing the password', async () => {
    const url = new URL(postgresUrl() as string);
    url.port = String(Number(url.port) === 1 ? 2 : 1); // nothing listens on port 1
    url.username = 'weft';
    url.password = 'hunter2';
    const finished = await weft(['runs', 'list', '--db', url.toString()]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain('cannot use this Postgres database');
    expect(finished.stderr).toContain('Check that the server is up');
    expect(finished.stderr).toContain('weft:***@');
    expect(finished.stderr).not.toContain('hunter2');
  });

  it('says to install pg when --db is a Postgres URL and pg does not load', async () => {
    // A module hook that makes `pg` unresolvable, as in a project that never installed it.
    const hook = `export async function resolve(specifier, context, next) { if (specifier === 'pg') { const error = new Error("Cannot find package 'pg'"); error.code = 'ERR_MODULE_NOT_FOUND'; throw error; } return next(specifier, context); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const finished = await weft(['serve', 'test/multiprocess/nodes.ts', '--public', '--db', postgresUrl() as string, '--port', '0'], {
      env: { WEFT_TEST_EFFECTS: dir.file('never.jsonl'), NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(register)}` },
    });
    expect(finished.code, finished.stderr).toBe(2);
    expect(finished.stderr).toContain('needs the pg package');
    expect(finished.stderr).toContain('npm install pg');
  });
});
