// A caller the policies refuse learns nothing about which run ids exist: the answer for a missing run is the one
// an existing run gets (401 from the policy, same headers and body), on every route that names a run.
import { bearerAuth } from 'hono/bearer-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, MemoryRunStore } from 'weft';
import { createApp, serve, type RunningServer } from 'weft/server';
import { http, requireToken } from './helpers.js';
import { approval, double } from './workflows.js';

const open: { server: RunningServer; close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const { server, close } of open.splice(0)) {
    await server.close();
    await close();
  }
});

async function serveWith(expose: Parameters<typeof createApp>[0]['expose']): Promise<string> {
  const runtime = createRuntime({ workflows: { double, approval }, store: new MemoryRunStore() });
  const server = await serve(createApp({ runtime, expose }));
  open.push({ server, close: () => runtime.close() });
  return server.url;
}

const token = { authorization: 'Bearer good' };

/** The status, raw body and WWW-Authenticate of a request (a refusal's body need not be JSON). */
async function raw(url: string, init: { method?: string; body?: unknown }): Promise<{ status: number; body: string; auth: string | null }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: await response.text(), auth: response.headers.get('www-authenticate') };
}
const routes = (id: string): [string, { method?: string; body?: unknown }][] => [
  [`/runs/${id}`, {}],
  [`/runs/${id}/events`, {}],
  [`/runs/${id}/cancel`, { method: 'POST' }],
  [`/runs/${id}/responses`, { body: { requestId: 'r', value: true } }],
];

describe('run existence', () => {
  it.each([
    ['a policy of its own', requireToken],
    ["hono's bearerAuth", bearerAuth({ token: 'good' })],
  ])('an unauthenticated caller gets the same refusal for a run that exists and one that does not (%s)', async (_name, policy) => {
    const url = await serveWith({ double: { route: policy, runs: policy }, approval: { route: policy, runs: policy } });
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true }, headers: token });
    const existing: string = body.runId;
    const missing = routes('no-such-run');
    for (const [index, [path, init]] of routes(existing).entries()) {
      const a = await raw(`${url}${path}`, init);
      const b = await raw(`${url}${missing[index]?.[0] as string}`, init);
      expect([path, a.status]).toEqual([path, 401]);
      expect(b).toEqual(a);
    }
    // Let in, the caller tells them apart as usual.
    expect((await http(`${url}/runs/${existing}`, { headers: token })).status).toBe(200);
    expect((await http(`${url}/runs/no-such-run`, { headers: token })).status).toBe(404);
  });

  it('a run of a workflow without a runs policy is as missing as any, to everyone', async () => {
    const url = await serveWith({ double: { route: requireToken }, approval: { route: requireToken, runs: requireToken } });
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true }, headers: token });
    expect((await http(`${url}/runs/${body.runId}`, { headers: token })).status).toBe(404);
    expect((await http(`${url}/runs/${body.runId}`)).status).toBe(401);
    expect((await http(`${url}/runs/no-such-run`)).status).toBe(401);
  });
});
