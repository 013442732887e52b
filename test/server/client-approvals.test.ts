// weft/client's approve, reject and typed respond, against a real weft/server on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseOf } from 'weft';
import { createClient } from 'weft/client';
import { approvedPay, payments } from '../support/payments.js';
import { defaultWorkflows, start, type Served } from './helpers.js';

type Workflows = typeof defaultWorkflows & { payments: typeof payments };

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

async function waitingPayment(amount: number) {
  const served = await start({ workflows: { ...defaultWorkflows, payments } });
  servers.push(served);
  const client = createClient<Workflows>({ baseUrl: served.url });
  const { run } = await client.workflows.invoke('payments', { amount }, { wait: true });
  expect(run.status).toBe('waiting');
  const requestId = run.pendingRequests[0]?.id as string;
  /** Answers once the run has ended, with its outputs. */
  const outputs = async (): Promise<readonly string[]> => {
    for await (const event of client.runs.events(run.id)) {
      if (event.type === 'run.completed') return (event as unknown as { outputs: string[] }).outputs;
    }
    throw new Error(`run ${run.id} ended without completing`);
  };
  return { client, runtime: served.runtime, runId: run.id, requestId, outputs };
}

describe('client approvals', () => {
  it('approve runs the executor, and sends only the fields it was given', async () => {
    const { client, runId, requestId, outputs } = await waitingPayment(12);
    await client.runs.approve(runId, requestId);
    expect(await outputs()).toEqual(['paid 12']);
    expect((await client.runs.get(runId)).status).toBe('completed');
  });

  it('approve with a modified input runs the executor on it, validated by its input schema', async () => {
    const { client, runId, requestId, outputs } = await waitingPayment(12);
    const refused = await client.runs.approve(runId, requestId, { input: { amount: 'ten' } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 422, code: 'invalid_response' });
    await client.runs.approve<{ amount: number }>(runId, requestId, { input: { amount: 10 }, reason: 'capped' });
    expect(await outputs()).toEqual(['paid 10']);
  });

  it('reject does not run the executor and passes the reason on to onReject', async () => {
    const { client, runId, requestId, outputs } = await waitingPayment(99);
    await client.runs.reject(runId, requestId, { reason: 'over the limit' });
    expect(await outputs()).toEqual(['refused 99 (over the limit)']);
  });

  it('reject without a reason leaves the reason out', async () => {
    const { client, runId, requestId, outputs } = await waitingPayment(5);
    await client.runs.reject(runId, requestId);
    expect(await outputs()).toEqual(['refused 5']);
  });

  it('respond takes the asking executor as its type argument', async () => {
    const { client, runId, requestId, outputs } = await waitingPayment(7);
    const answer: ResponseOf<typeof approvedPay> = { approved: false, reason: 'typed' };
    await client.runs.respond<typeof approvedPay>(runId, requestId, answer);
    expect(await outputs()).toEqual(['refused 7 (typed)']);
  });

  it('the runtime answers the same way, in process', async () => {
    const { runtime, runId, requestId, outputs } = await waitingPayment(8);
    await expect(runtime.approve(runId, requestId, { input: { amount: 'eight' } })).rejects.toMatchObject({ code: 'request_invalid' });
    await runtime.reject(runId, requestId, { reason: 'in process' });
    expect(await outputs()).toEqual(['refused 8 (in process)']);
  });
});
