// run.approve and run.reject answer withApproval requests on a started or resumed run.
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { until } from '../support/async.js';
import { payments as workflow } from '../support/payments.js';

describe('run.approve / run.reject', () => {
  it('approve runs the executor, on a modified input when given', async () => {
    const run = workflow.start({ amount: 12 });
    await until(() => run.pendingRequests.length === 1);
    await run.approve<{ amount: number }>(run.pendingRequests[0]?.id as string, { input: { amount: 10 }, reason: 'capped' });
    expect((await run.result).outputs).toEqual(['paid 10']);
  });

  it('reject passes the reason on, and leaves it out when there is none', async () => {
    const first = workflow.start({ amount: 99 });
    await until(() => first.pendingRequests.length === 1);
    await first.reject(first.pendingRequests[0]?.id as string, { reason: 'over the limit' });
    expect((await first.result).outputs).toEqual(['refused 99 (over the limit)']);
    const second = workflow.start({ amount: 5 });
    await until(() => second.pendingRequests.length === 1);
    await second.reject(second.pendingRequests[0]?.id as string);
    expect((await second.result).outputs).toEqual(['refused 5']);
  });

  it('refuses a modified input the executor does not accept, changing nothing', async () => {
    const run = workflow.start({ amount: 3 });
    await until(() => run.pendingRequests.length === 1);
    const id = run.pendingRequests[0]?.id as string;
    await expect(run.approve(id, { input: { amount: 'three' } })).rejects.toMatchObject({ code: 'request_invalid' });
    await run.approve(id);
    expect((await run.result).outputs).toEqual(['paid 3']);
  });

  it('works on a resumed run that waits in memory', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const waiting = await workflow.run({ amount: 7 }, { checkpoints });
    const id = waiting.pendingRequests[0]?.id as string;
    const gate = { attach: () => () => undefined }; // keeps the resumed run waiting in memory for answers
    const resumed = workflow.resume(waiting.checkpointId as string, { checkpoints, approvals: gate });
    await until(() => resumed.pendingRequests.length === 1);
    await resumed.reject(id, { reason: 'late' });
    expect((await resumed).outputs).toEqual(['refused 7 (late)']);
  });
});
