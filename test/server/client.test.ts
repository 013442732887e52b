// weft/client against a real weft/server on loopback.
import { toArray, firstValueFrom, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerializedEvent } from 'weft';
import { createClient, WeftHttpError } from 'weft/client';
import { allow } from 'weft/server';
import { eventually, Gates, requireToken, start, type Served } from './helpers.js';
import { approval, counter, double, failing } from './workflows.js';

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

const serve = async (options: Parameters<typeof start>[0] = {}): Promise<Served> => {
  const served = await start(options);
  servers.push(served);
  return served;
};

type Workflows = { double: typeof double; approval: typeof approval; counter: ReturnType<typeof counter>; failing: typeof failing };

const seqs = (events: readonly SerializedEvent[]): number[] => events.map((event) => event.seq);
const contiguous = (events: readonly SerializedEvent[]): number[] => events.map((_, index) => index);

describe('createClient', () => {
  it('invokes a workflow, and waits for its result when asked', async () => {
    const { url } = await serve();
    const client = createClient<Workflows>({ baseUrl: `${url}/` });
    const { runId } = await client.workflows.invoke('double', { n: 4 });
    expect(runId).toEqual(expect.any(String));
    const { run } = await client.workflows.invoke('double', { n: 5 }, { wait: true });
    expect(run).toMatchObject({ workflow: 'double', status: 'completed', input: { n: 5 }, outputs: [10] });
    expect((await client.runs.get(runId)).id).toBe(runId);
  });

  it('lists workflows and runs, page by page', async () => {
    const { url } = await serve();
    const client = createClient<Workflows>({ baseUrl: url });
    expect((await client.workflows.list()).map((workflow) => [workflow.name, workflow.access])).toEqual([
      ['double', { invoke: true, read: true }],
      ['approval', { invoke: true, read: true }],
      ['counter', { invoke: true, read: true }],
      ['failing', { invoke: true, read: true }],
    ]);
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await client.workflows.invoke('double', { n }, { wait: true })).runId);
    await client.workflows.invoke('approval', { amount: 1 }, { wait: true });
    const first = await client.runs.list({ workflow: 'double', limit: 2 });
    expect(first.runs).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.runs.list({ workflow: 'double', limit: 2, ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }) });
    expect(second.nextCursor).toBeUndefined();
    expect([...first.runs, ...second.runs].map((run) => run.id).sort()).toEqual([...ids].sort());
    expect((await client.runs.list({ status: 'waiting' })).runs.map((run) => run.workflow)).toEqual(['approval']);
    expect((await client.runs.list()).runs).toHaveLength(4);
  });

  it('follows events as an Observable and with for await, to the end of the run', async () => {
    const { url, store } = await serve();
    const client = createClient<Workflows>({ baseUrl: url });
    const { runId } = await client.workflows.invoke('counter', { n: 1, to: 4 });
    const observed = await lastValueFrom(client.runs.events(runId).pipe(toArray()));
    expect(seqs(observed)).toEqual(contiguous(observed));
    expect(observed.filter((event) => event.type === 'output').map((event) => (event as { value: unknown }).value)).toEqual([1, 2, 3, 4]);
    expect(observed.at(-1)?.type).toBe('run.completed');
    expect(observed).toEqual(JSON.parse(JSON.stringify(await store.readEvents(runId))));

    const iterated: SerializedEvent[] = [];
    for await (const event of client.runs.events(runId, { after: 3 })) iterated.push(event);
    expect(iterated).toEqual(observed.slice(4));

    // Breaking out of the loop lets go of the stream.
    for await (const event of client.runs.events(runId)) {
      expect(event.seq).toBe(0);
      break;
    }
  });

  it('reconnects with Last-Event-ID when the server drops the connection mid-stream, losing and repeating nothing', async () => {
    const gates = new Gates();
    const served = await serve({ workflows: { counter: counter((n) => gates.wait(`step ${n}`)) } });
    let connections = 0;
    const lastEventIds: (string | null)[] = [];
    const client = createClient<Workflows>({
      baseUrl: served.url,
      reconnect: { delayMs: 10 },
      fetch: async (input, init) => {
        if (String(input).includes('/events')) {
          connections++;
          lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
        }
        return fetch(input, init);
      },
    });
    const { runId } = await client.workflows.invoke('counter', { n: 1, to: 3 });
    const received: SerializedEvent[] = [];
    const done = new Promise<void>((resolve, reject) =>
      client.runs.events(runId).subscribe({ next: (event) => received.push(event), error: reject, complete: resolve }),
    );
    gates.open('step 1');
    await eventually(() => received.some((event) => event.type === 'output'));
    await served.restart(); // every open connection is dropped; the same port listens again
    gates.open('step 2');
    gates.open('step 3');
    await done;
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(lastEventIds[0]).toBeNull();
    expect(Number(lastEventIds[1])).toBeGreaterThanOrEqual(received.findIndex((event) => event.type === 'output'));
    expect(seqs(received)).toEqual(contiguous(received));
    expect(received.filter((event) => event.type === 'output').map((event) => (event as { value: unknown }).value)).toEqual([1, 2, 3]);
    expect(received.at(-1)?.type).toBe('run.completed');
  });

  it('replaces a connection that stays silent past idleTimeoutMs', async () => {
    const gates = new Gates();
    const { url } = await serve({ workflows: { counter: counter((n) => gates.wait(`step ${n}`)) } });
    let connections = 0;
    const client = createClient<Workflows>({
      baseUrl: url,
      reconnect: { delayMs: 1, idleTimeoutMs: 50 },
      fetch: async (input, init) => {
        if (String(input).includes('/events')) connections++;
        return fetch(input, init);
      },
    });
    const { runId } = await client.workflows.invoke('counter', { n: 1, to: 1 });
    const events = lastValueFrom(client.runs.events(runId).pipe(toArray()));
    await eventually(() => connections >= 3); // the server sends nothing while step 1 waits (heartbeats every 15 s)
    gates.open('step 1');
    const received = await events;
    expect(seqs(received)).toEqual(contiguous(received));
    expect(received.at(-1)?.type).toBe('run.completed');
  });

  it('gives up after the configured reconnections when the server stays away', async () => {
    const gates = new Gates();
    const served = await serve({ workflows: { counter: counter((n) => gates.wait(`step ${n}`)) } });
    const client = createClient<Workflows>({ baseUrl: served.url, reconnect: { attempts: 2, delayMs: 1 } });
    const { runId } = await client.workflows.invoke('counter', { n: 1, to: 1 });
    const stream = client.runs.events(runId);
    const failed = lastValueFrom(stream).catch((error: unknown) => error);
    await firstValueFrom(stream); // connected once
    await served.server.close();
    const error = await failed;
    expect(error).toBeInstanceOf(WeftHttpError);
    expect(error).toMatchObject({ status: 0, code: 'stream_dropped', message: expect.stringContaining('2 reconnections') });
    gates.open('step 1');
  });

  it('answers a waiting run and cancels another', async () => {
    const { url } = await serve();
    const client = createClient<Workflows>({ baseUrl: url });
    const { run } = await client.workflows.invoke('approval', { amount: 12 }, { wait: true });
    expect(run.status).toBe('waiting');
    const following = lastValueFrom(client.runs.events(run.id).pipe(toArray()));
    await client.runs.respond(run.id, run.pendingRequests[0]?.id ?? '', { approved: true });
    const events = await following;
    expect(events.at(-1)).toMatchObject({ type: 'run.completed', outputs: ['approved 12'] });
    expect((await client.runs.get(run.id)).outputs).toEqual(['approved 12']);

    const other = await client.workflows.invoke('approval', { amount: 1 }, { wait: true });
    const cancelled = await client.runs.cancel(other.runId);
    expect(cancelled).toMatchObject({ id: other.runId, status: 'cancelled' });
  });

  it('throws WeftHttpError with the status, code, message and issues the server answered', async () => {
    const { url } = await serve();
    const client = createClient<Workflows>({ baseUrl: url });
    const invalid = await client.workflows.invoke('double', { n: 'x' as unknown as number }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(WeftHttpError);
    expect(invalid).toMatchObject({ status: 422, code: 'workflow_input_invalid', issues: [{ path: ['n'] }] });

    expect(await client.runs.get('nope').catch((error: unknown) => error)).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'No run "nope".',
    });
    const events = await lastValueFrom(client.runs.events('nope')).catch((error: unknown) => error);
    expect(events).toMatchObject({ status: 404, code: 'not_found' });

    const { run } = await client.workflows.invoke('approval', { amount: 1 }, { wait: true });
    const refused = await client.runs.respond(run.id, run.pendingRequests[0]?.id ?? '', { approved: 'yes' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 422, code: 'invalid_response', issues: [{ path: ['approved'] }] });
    expect(await client.runs.respond(run.id, 'nope', { approved: true }).catch((error: unknown) => error)).toMatchObject({
      status: 409,
      code: 'unknown_request',
    });
  });

  it('sends headers with every request, from a value or a function, so policies let it in', async () => {
    const { url } = await serve({ expose: { double: { route: requireToken, runs: requireToken } } });
    const anonymous = createClient<Workflows>({ baseUrl: url });
    expect(await anonymous.workflows.invoke('double', { n: 1 }).catch((error: unknown) => error)).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    const fixed = createClient<Workflows>({ baseUrl: url, headers: { authorization: 'Bearer good' } });
    const { runId } = await fixed.workflows.invoke('double', { n: 1 }, { wait: true });
    let calls = 0;
    const dynamic = createClient<Workflows>({
      baseUrl: url,
      headers: async () => {
        calls++;
        return [['authorization', 'Bearer good']];
      },
    });
    expect((await dynamic.runs.get(runId)).outputs).toEqual([2]);
    expect(await lastValueFrom(dynamic.runs.events(runId))).toMatchObject({ type: 'run.completed' });
    expect(calls).toBe(2);
    expect(await lastValueFrom(anonymous.runs.events(runId)).catch((error: unknown) => error)).toMatchObject({ status: 401 });
    expect(allow).toBeTypeOf('function');
  });

  it('reads a non-JSON refusal (a proxy, a plain-text policy) as WeftHttpError too', async () => {
    const client = createClient({
      baseUrl: 'http://example.invalid',
      fetch: async () => new Response('Bad Gateway from the proxy', { status: 502, statusText: 'Bad Gateway' }),
    });
    expect(await client.runs.get('x').catch((error: unknown) => error)).toMatchObject({
      status: 502,
      code: 'http_502',
      message: 'HTTP 502 Bad Gateway: Bad Gateway from the proxy',
    });
  });
});
