// Every route of weft/server over real HTTP on loopback, on the memory store and on the SQLite store.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerAuth } from 'hono/bearer-auth';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, MemoryRunStore, type RunStore } from 'weft';
import { openSqliteRunStore } from 'weft/sqlite';
import { allow, createApp, serve } from 'weft/server';
import { http, requireToken, start, waitForStatus, type Served } from './helpers.js';
import { approval, double } from './workflows.js';

const directory = mkdtempSync(join(tmpdir(), 'weft-server-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const servers: Served[] = [];
const stores: { close(): void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
  for (const store of stores.splice(0)) store.close();
});

let files = 0;
const storeKinds: readonly { readonly kind: string; readonly make: () => RunStore }[] = [
  { kind: 'memory', make: () => new MemoryRunStore() },
  {
    kind: 'sqlite',
    make: () => {
      const store = openSqliteRunStore(join(directory, `routes-${files++}.db`));
      stores.push(store);
      return store;
    },
  },
];

describe.each(storeKinds)('routes on the $kind store', ({ make }) => {
  const serve = async (options: Parameters<typeof start>[0] = {}): Promise<Served> => {
    const served = await start({ store: make(), ...options });
    servers.push(served);
    return served;
  };

  it('POST /workflows/:name starts a run: 202 { runId } with its Location', async () => {
    const { url } = await serve();
    const { status, body, headers } = await http(`${url}/workflows/double`, { body: { input: { n: 21 } } });
    expect(status).toBe(202);
    expect(body).toEqual({ runId: expect.any(String) });
    expect(headers.get('location')).toBe(`/runs/${body.runId}`);
    const run = await waitForStatus(url, body.runId, ['completed']);
    expect(run).toMatchObject({ id: body.runId, workflow: 'double', status: 'completed', input: { n: 21 }, outputs: [42] });
  });

  it('wait: true answers 200 { runId, run } once the run completes, fails or waits', async () => {
    const { url } = await serve();
    const completed = await http(`${url}/workflows/double`, { body: { input: { n: 2 }, wait: true } });
    expect(completed.status).toBe(200);
    expect(completed.body.run).toMatchObject({ id: completed.body.runId, status: 'completed', outputs: [4] });

    const failed = await http(`${url}/workflows/failing`, { body: { input: 'x', wait: true } });
    expect(failed.status).toBe(200);
    expect(failed.body.run).toMatchObject({ status: 'failed', error: { code: 'executor_failed', name: 'ExecutorError' } });

    const waiting = await http(`${url}/workflows/approval`, { body: { input: { amount: 5 }, wait: true } });
    expect(waiting.status).toBe(200);
    expect(waiting.body.run).toMatchObject({ status: 'waiting', pendingRequests: [{ executorId: 'approver', payload: { question: 'Pay 5?' } }] });
  });

  it('GET /workflows lists name, signature, input JSON Schema, mermaid, description and access', async () => {
    const { url } = await serve();
    const { status, body } = await http(`${url}/workflows`);
    expect(status).toBe(200);
    expect(body.workflows.map((w: { name: string }) => w.name)).toEqual(['double', 'approval', 'counter', 'failing']);
    const listed = body.workflows[0];
    expect(listed).toEqual({
      name: 'double',
      signature: double.signature,
      input: expect.objectContaining({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] }),
      mermaid: double.toMermaid(),
      description: JSON.parse(JSON.stringify(double.describe())),
      access: { invoke: true, read: true },
    });
  });

  it('GET and HEAD /runs/:id answer the run, or 404', async () => {
    const { url } = await serve();
    const { body: started } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } });
    const got = await http(`${url}/runs/${started.runId}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ run: started.run });
    expect(got.headers.get('cache-control')).toBe('no-store');

    const head = await fetch(`${url}/runs/${started.runId}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('weft-run-status')).toBe('completed');
    expect(await head.text()).toBe('');

    expect(await http(`${url}/runs/nope`)).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'No run "nope".' } } });
    expect((await fetch(`${url}/runs/nope`, { method: 'HEAD' })).status).toBe(404);
  });

  it('GET /runs lists runs newest first, filtered by workflow and status, page by page', async () => {
    const { url } = await serve();
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await http(`${url}/workflows/double`, { body: { input: { n }, wait: true } })).body.runId);
    const waiting = (await http(`${url}/workflows/approval`, { body: { input: { amount: 1 }, wait: true } })).body.runId;

    const all = await http(`${url}/runs`);
    expect(all.status).toBe(200);
    expect(all.body.runs).toHaveLength(6);
    expect(all.body.nextCursor).toBeNull();

    const byStatus = await http(`${url}/runs?status=waiting`);
    expect(byStatus.body.runs.map((run: { id: string }) => run.id)).toEqual([waiting]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { runs: { id: string }[]; nextCursor: string | null } } = await http(
        `${url}/runs?workflow=double&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(page.body.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.runs.map((run) => run.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual([...ids].sort());

    expect(await http(`${url}/runs?status=done`)).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect(await http(`${url}/runs?limit=0`)).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect(await http(`${url}/runs?limit=2.5`)).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect(await http(`${url}/runs?workflow=nope`)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await http(`${url}/runs?cursor=made-up`)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_query', message: expect.stringContaining('nextCursor') } },
    });
  });

  it('POST /runs/:id/responses answers a pending request (202) and the run goes on; refusals are 409 or 422', async () => {
    const { url } = await serve();
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 7 }, wait: true } });
    const requestId = body.run.pendingRequests[0].id;

    const invalid = await http(`${url}/runs/${body.runId}/responses`, { body: { requestId, value: { approved: 'yes' } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error).toMatchObject({ code: 'invalid_response', issues: [{ path: ['approved'], message: expect.any(String) }] });

    const unknown = await http(`${url}/runs/${body.runId}/responses`, { body: { requestId: 'nope', value: { approved: true } } });
    expect(unknown).toMatchObject({ status: 409, body: { error: { code: 'unknown_request' } } });

    expect(await http(`${url}/runs/${body.runId}/responses`, { body: { value: true } })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_body' } },
    });

    const answered = await http(`${url}/runs/${body.runId}/responses`, { body: { requestId, value: { approved: true } } });
    expect(answered).toMatchObject({ status: 202, body: { runId: body.runId, requestId } });
    const run = await waitForStatus(url, body.runId, ['completed']);
    expect(run.outputs).toEqual(['approved 7']);

    const again = await http(`${url}/runs/${body.runId}/responses`, { body: { requestId, value: { approved: false } } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'run_not_waiting' } } });
  });

  it('two answers sent at once: one is taken, the other refused with 409, and the run continues once', async () => {
    const store = make();
    const { url } = await serve({ store });
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 3 }, wait: true } });
    const requestId = body.run.pendingRequests[0].id;
    // The answers reach a process that has not seen the run yet (after a restart, say), whose store is slow to
    // read events: each answer would be checked against the stored run before the other one resumed it.
    let reads = 0;
    let release = (): void => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const getRun = store.getRun.bind(store);
    const readEvents = store.readEvents.bind(store);
    store.getRun = async (id) => {
      if (++reads === 4) release(); // two answers, each read by the server and then by the runtime
      return getRun(id);
    };
    store.readEvents = async (id, after) => {
      await Promise.race([bothRead, new Promise((resolve) => setTimeout(resolve, 200))]);
      return readEvents(id, after);
    };
    const restarted = await serve({ store });
    const answers = await Promise.all(
      [true, false].map((approved) => http(`${restarted.url}/runs/${body.runId}/responses`, { body: { requestId, value: { approved } } })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    const run = await waitForStatus(url, body.runId, ['completed']);
    expect(run.outputs).toHaveLength(1);
    const events = await readEvents(body.runId);
    expect(events.filter((event) => event.type === 'run.completed')).toHaveLength(1);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  });

  it('POST /runs/:id/cancel cancels a waiting run (200 { run }); cancelling an ended run answers it as it is', async () => {
    const { url } = await serve();
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 1 }, wait: true } });
    const cancelled = await http(`${url}/runs/${body.runId}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run).toMatchObject({ id: body.runId, status: 'cancelled' });

    const done = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } });
    const again = await http(`${url}/runs/${done.body.runId}/cancel`, { method: 'POST' });
    expect(again).toMatchObject({ status: 200, body: { run: { status: 'completed', outputs: [2] } } });
    expect(await http(`${url}/runs/nope/cancel`, { method: 'POST' })).toMatchObject({ status: 404 });
  });
});

describe('bad input never crashes the server nor loses a run', () => {
  const serveDefault = async (options: Parameters<typeof start>[0] = {}): Promise<Served> => {
    const served = await start(options);
    servers.push(served);
    return served;
  };

  it('invalid JSON, an empty body, a body that is not an object, or a bad "wait" is 400', async () => {
    const { url } = await serveDefault();
    const post = (raw: string) => http(`${url}/workflows/double`, { raw, headers: { 'content-type': 'application/json' } });
    expect(await post('{"input": ')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json', message: expect.stringContaining('not valid JSON') } },
    });
    expect(await post('')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await post('[1]')).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect(await post('"x"')).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect(await post('{"input": {"n": 1}, "wait": "result"}')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_body', message: expect.stringContaining('"wait" must be true') } },
    });
    expect(await http(`${url}/runs/x/responses`, { raw: '{', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 404 });
    expect(await post(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'))).toMatchObject({ status: 400 });
  });

  it('input failing the schema is 422 with the issues, and no run is stored', async () => {
    const { url, runtime } = await serveDefault();
    const { status, body } = await http(`${url}/workflows/double`, { body: { input: { n: 'two' } } });
    expect(status).toBe(422);
    expect(body.error).toMatchObject({
      code: 'workflow_input_invalid',
      message: expect.stringContaining('"double"'),
      issues: [{ path: ['n'], message: expect.any(String) }],
    });
    expect((await runtime.listRuns()).runs).toHaveLength(0);
  });

  it('a body over maxBodyBytes is 413, by its Content-Length or as it streams in without one', async () => {
    const { url, runtime } = await serveDefault({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ input: { n: 1, padding: 'x'.repeat(2000) } });
    expect(await http(`${url}/workflows/double`, { raw: big, headers: { 'content-type': 'application/json' } })).toMatchObject({
      status: 413,
      body: { error: { code: 'body_too_large' } },
    });

    // Chunked, no Content-Length: refused once 1 KiB has arrived.
    const chunked = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${url}/workflows/double`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode, body }));
        },
      );
      request.on('error', reject);
      for (let i = 0; i < 4; i++) request.write(big.slice(i * 600, (i + 1) * 600));
      request.end(big.slice(2400));
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { code: 'body_too_large' } });

    // The server is fine afterwards, and a body under the limit is taken.
    expect(await http(`${url}/workflows/double`, { body: { input: { n: 4 }, wait: true } })).toMatchObject({
      status: 200,
      body: { run: { outputs: [8] } },
    });
    expect((await runtime.listRuns()).runs).toHaveLength(1);
  });

  it('an unknown workflow, run or route is 404 with a JSON error', async () => {
    const { url } = await serveDefault();
    expect(await http(`${url}/workflows/nope`, { body: { input: 1 } })).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'No workflow "nope".' } },
    });
    expect(await http(`${url}/runs/nope/events`)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await http(`${url}/runs/nope/responses`, { body: { requestId: 'r', value: 1 } })).toMatchObject({ status: 404 });
    expect(await http(`${url}/elsewhere`)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'No route GET /elsewhere.' } },
    });
    expect(await http(`${url}/workflows`, { method: 'DELETE' })).toMatchObject({ status: 404 });
  });

  it('an unexpected error is a 500 that shows nothing of it, reported to onError; the server goes on', async () => {
    const store = new MemoryRunStore();
    let broken = true;
    const getRun = store.getRun.bind(store);
    store.getRun = async (id) => {
      if (broken) throw new Error('disk on fire at /var/lib/secret');
      return getRun(id);
    };
    const onError = vi.fn();
    const { url } = await serveDefault({ store, onError });
    const { status, body } = await http(`${url}/runs/some-id`);
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 'internal_error', message: expect.not.stringContaining('secret') } });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'disk on fire at /var/lib/secret' }));
    broken = false;
    expect(await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } })).toMatchObject({ status: 200 });
  });

  it('rejects a bad configuration when the app is created', () => {
    const runtime = createRuntime({ workflows: { double }, store: new MemoryRunStore() });
    expect(() => createApp({ runtime, expose: { nope: { route: allow } } })).toThrow(
      /expose names workflow "nope", which the runtime does not serve \(it serves "double"\)/,
    );
    expect(() => createApp({ runtime, expose: { double: { route: true as never } } })).toThrow(/expose.double.route must be a Hono middleware/);
    expect(() => createApp({ runtime, expose: {}, maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
  });
});

describe('policies', () => {
  const serveWith = async (expose: Parameters<typeof createApp>[0]['expose']) => {
    const store = new MemoryRunStore();
    const runtime = createRuntime({ workflows: { double, approval }, store });
    const server = await serve(createApp({ runtime, expose }));
    servers.push({
      runtime,
      store,
      server,
      app: undefined as never,
      url: server.url,
      close: async () => (await server.close(), await runtime.close()),
      restart: async () => undefined,
    });
    return { url: server.url, runtime };
  };
  const token = { authorization: 'Bearer good' };

  it('a policy that answers 401 keeps out whoever it refuses, from every route of its workflow', async () => {
    const { url, runtime } = await serveWith({ double: { route: requireToken, runs: requireToken } });
    expect(await http(`${url}/workflows/double`, { body: { input: { n: 1 } } })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true }, headers: token });
    expect(body.run.status).toBe('completed');
    expect((await http(`${url}/runs/${body.runId}`)).status).toBe(401);
    expect((await http(`${url}/runs/${body.runId}/events`)).status).toBe(401);
    expect((await http(`${url}/runs/${body.runId}/cancel`, { method: 'POST' })).status).toBe(401);
    expect((await http(`${url}/runs/${body.runId}`, { headers: token })).status).toBe(200);
    expect((await http(`${url}/workflows`)).body.workflows).toEqual([]);
    expect((await http(`${url}/workflows`, { headers: token })).body.workflows.map((w: { name: string }) => w.name)).toEqual(['double']);
    expect((await http(`${url}/runs`)).body.runs).toEqual([]);
    expect((await http(`${url}/runs?workflow=double`)).status).toBe(401);
    expect((await http(`${url}/runs`, { headers: token })).body.runs).toHaveLength(1);
    expect((await runtime.listRuns()).runs).toHaveLength(1);
  });

  it("hono's own middleware works as a policy: bearerAuth refuses with 401 and WWW-Authenticate", async () => {
    const { url } = await serveWith({ double: { route: bearerAuth({ token: 'good' }) } });
    const refused = await fetch(`${url}/workflows/double`, { method: 'POST', body: JSON.stringify({ input: { n: 1 } }) });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await http(`${url}/workflows/double`, { body: { input: { n: 1 } }, headers: token })).status).toBe(202);
  });

  it('a policy that neither calls next() nor answers refuses with 403', async () => {
    const { url } = await serveWith({ double: { route: async () => undefined } });
    expect(await http(`${url}/workflows/double`, { body: { input: { n: 1 } } })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
  });

  it('runs as Hono middleware does: after next(), a policy sees the response, errors included', async () => {
    const { url } = await serveWith({
      double: {
        route: async (c, next) => {
          await next();
          c.res.headers.set('x-policy', `saw ${c.res.status}`);
        },
      },
    });
    const accepted = await http(`${url}/workflows/double`, { body: { input: { n: 1 } } });
    expect(accepted.headers.get('x-policy')).toBe('saw 202');
    const refused = await http(`${url}/workflows/double`, { raw: '{', headers: { 'content-type': 'application/json' } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(refused.headers.get('x-policy')).toBe('saw 400');
  });

  it('sees the workflow and the run on the context', async () => {
    const seen: unknown[] = [];
    const { url } = await serveWith({
      double: {
        route: allow,
        runs: async (c, next) => {
          seen.push([c.get('workflow'), c.get('run')?.id]);
          await next();
        },
      },
    });
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } });
    await http(`${url}/runs/${body.runId}`);
    expect(seen).toEqual([['double', body.runId]]);
  });

  it('private by default: without a policy every route answers 404, even for a run that exists', async () => {
    const { url, runtime } = await serveWith({ approval: { route: allow } });
    // `double` is not exposed: invoking it is as unknown as a workflow that does not exist.
    expect(await http(`${url}/workflows/double`, { body: { input: { n: 1 } } })).toMatchObject({
      status: 404,
      body: { error: { message: 'No workflow "double".' } },
    });
    const hidden = await runtime.invoke('double', { n: 1 }, { wait: true });
    const asUnknown = await http(`${url}/runs/not-a-run`);
    for (const path of ['', '/events'])
      expect(await http(`${url}/runs/${hidden.runId}${path}`)).toEqual({
        ...asUnknown,
        body: { error: { code: 'not_found', message: `No run "${hidden.runId}".` } },
        headers: expect.anything(),
      });
    expect((await fetch(`${url}/runs/${hidden.runId}`, { method: 'HEAD' })).status).toBe(404);
    expect((await http(`${url}/runs/${hidden.runId}/cancel`, { method: 'POST' })).status).toBe(404);
    expect((await runtime.getRun(hidden.runId))?.status).toBe('completed');

    // `approval` can be invoked but not read: its runs are hidden, and there is nothing to list.
    const { status, body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 2 }, wait: true } });
    expect(status).toBe(200); // the caller who started it gets the run once
    expect((await http(`${url}/runs/${body.runId}`)).status).toBe(404);
    expect(
      (await http(`${url}/runs/${body.runId}/responses`, { body: { requestId: body.run.pendingRequests[0].id, value: { approved: true } } })).status,
    ).toBe(404);
    expect(await http(`${url}/runs`)).toMatchObject({ status: 200, body: { runs: [], nextCursor: null } });
    expect((await http(`${url}/runs?workflow=approval`)).status).toBe(404);
    expect((await http(`${url}/workflows`)).body.workflows).toEqual([
      expect.objectContaining({ name: 'approval', access: { invoke: true, read: false } }),
    ]);
  });

  it('a workflow readable but not invocable: its runs can be read but not answered or cancelled (403)', async () => {
    const { url, runtime } = await serveWith({ approval: { runs: allow } });
    expect((await http(`${url}/workflows/approval`, { body: { input: { amount: 2 } } })).status).toBe(404);
    const { runId, run: result } = await runtime.invoke('approval', { amount: 2 }, { wait: true });
    expect((await http(`${url}/runs/${runId}`)).body.run.status).toBe('waiting');
    const requestId = result?.pendingRequests[0]?.id;
    expect(await http(`${url}/runs/${runId}/responses`, { body: { requestId, value: { approved: true } } })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect((await http(`${url}/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(403);
    expect((await runtime.getRun(runId))?.status).toBe('waiting');
    expect((await http(`${url}/runs`)).body.runs.map((run: { id: string }) => run.id)).toEqual([runId]);
  });

  it('GET /runs without a workflow lists the runs of every workflow the caller may read, and no other', async () => {
    const { url, runtime } = await serveWith({ double: { runs: allow }, approval: { runs: requireToken } });
    const doubles = [];
    for (let n = 0; n < 3; n++) doubles.push((await runtime.invoke('double', { n }, { wait: true })).runId);
    const approvals = [];
    for (let n = 0; n < 3; n++) approvals.push((await runtime.invoke('approval', { amount: n }, { wait: true })).runId);
    const ids = async (headers: Record<string, string>, limit: number): Promise<string[]> => {
      const found: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { runs: { id: string }[]; nextCursor: string | null } } = await http(
          `${url}/runs?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          { headers },
        );
        expect(page.body.runs.length).toBeLessThanOrEqual(limit);
        found.push(...page.body.runs.map((run) => run.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return found;
    };
    expect((await ids({}, 2)).sort()).toEqual([...doubles].sort());
    expect((await ids(token, 2)).sort()).toEqual([...doubles, ...approvals].sort());
    expect(await ids(token, 50)).toHaveLength(6);
  });
});
