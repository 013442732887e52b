// workflow.resume(): a handle like start()'s (events$, result, respond, cancel), awaitable for its result; run.resumed;
// the approvals run option of start() and resume().
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CheckpointError,
  MemoryCheckpointStore,
  RequestError,
  RunCancelledError,
  WorkflowBuilder,
  createApprovalGate,
  executor,
  withApproval,
  type RunResult,
} from 'weft';
import { ofType, record, types } from '../support/async.js';

/** ask → (answer) → output `answer: …`; asks once per message. */
function asking() {
  const ask = executor({
    id: 'ask',
    input: z.string(),
    response: z.string(),
    handle: (question, ctx) => {
      ctx.request({ question });
    },
    onResponse: (answer, _request, ctx) => ctx.output(`answer: ${answer}`),
  });
  return new WorkflowBuilder({ name: 'asking', start: ask }).build();
}

async function waitingRun(): Promise<{ store: MemoryCheckpointStore; waiting: RunResult; requestId: string }> {
  const store = new MemoryCheckpointStore();
  const waiting = await asking().run('why?', { checkpoints: store });
  expect(waiting.status).toBe('waiting');
  return { store, waiting, requestId: (waiting.pendingRequests[0] as { id: string }).id };
}

describe('workflow.resume()', () => {
  it('is awaitable for the result, as before, and gives the same result on .result', async () => {
    const { store, waiting, requestId } = await waitingRun();
    const run = asking().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [requestId]: 'because' } });
    const result = await run;
    expect(result).toMatchObject({ runId: waiting.runId, status: 'completed', outputs: ['answer: because'] });
    expect(await run.result).toBe(result);
  });

  it('streams the resumed run: run.resumed first (from the checkpoint, without input), never a second run.started', async () => {
    const { store, waiting, requestId } = await waitingRun();
    const run = asking().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [requestId]: 'because' } });
    expect(run.runId).toBeUndefined(); // not loaded yet
    const recorded = record(run.events$);
    await run.result;
    const { events, completed } = await recorded;

    expect(completed).toBe(true);
    expect(run.runId).toBe(waiting.runId);
    expect(events[0]).toMatchObject({ type: 'run.resumed', runId: waiting.runId, workflow: 'asking', resumedFrom: waiting.checkpointId });
    expect(events[0]).not.toHaveProperty('input');
    expect(types(events)).not.toContain('run.started');
    expect(types(events)).toContain('request.answered');
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(events.every((event) => event.runId === waiting.runId)).toBe(true);
  });

  it('stops with status waiting when the run waits again, and then refuses respond() with the way to answer', async () => {
    const { store, waiting } = await waitingRun();
    const run = asking().resume(waiting.checkpointId as string, { checkpoints: store });
    const result = await run;
    expect(result.status).toBe('waiting');
    const error = await run.respond('any', 'late').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ reason: 'run_not_waiting' });
    expect((error as Error).message).toMatch(/has stopped.*Resume its last checkpoint with \{ responses/);
  });

  it('refuses respond() before the checkpoint is loaded, naming resume(from, { responses })', async () => {
    const { store, waiting, requestId } = await waitingRun();
    const run = asking().resume(waiting.checkpointId as string, { checkpoints: store });
    await expect(run.respond(requestId, 'early')).rejects.toThrow(/has not loaded its checkpoint yet.*resume\(from, \{ responses \}\)/);
    await run;
  });

  it('forks a new run id when resuming an older checkpoint', async () => {
    const { store, waiting, requestId } = await waitingRun();
    const first = (await store.list(waiting.runId))[0] as { id: string };
    expect(first.id).not.toBe(waiting.checkpointId);
    const fork = asking().resume(first.id, { checkpoints: store });
    const recorded = record(fork.events$);
    await fork;
    const { events } = await recorded;
    expect(fork.runId).toEqual(expect.any(String));
    expect(fork.runId).not.toBe(waiting.runId);
    expect(ofType(events, 'run.resumed')).toMatchObject([{ runId: fork.runId, resumedFrom: first.id }]);
    expect(requestId).toEqual(expect.any(String));
  });

  it('cancels before the checkpoint is loaded: result rejects with RunCancelledError, events$ completes', async () => {
    const { store, waiting, requestId } = await waitingRun();
    const run = asking().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [requestId]: 'never' } });
    const recorded = record(run.events$);
    run.cancel('changed my mind');
    await expect(run.result).rejects.toBeInstanceOf(RunCancelledError);
    const { completed, events } = await recorded;
    expect(completed).toBe(true);
    expect(types(events)).not.toContain('run.completed');
  });

  it('rejects result (and completes events$ without events) when the checkpoint belongs to another graph', async () => {
    const { store, waiting } = await waitingRun();
    const other = new WorkflowBuilder({ name: 'other', start: executor({ id: 'x', input: z.string(), handle: () => undefined }) }).build();
    const run = other.resume(waiting.checkpointId as string, { checkpoints: store });
    const recorded = record(run.events$);
    await expect(run).rejects.toBeInstanceOf(CheckpointError);
    expect(await recorded).toMatchObject({ events: [], completed: true });
  });
});

describe('the approvals run option', () => {
  const refund = executor({ id: 'refund', input: z.number(), handle: (amount, ctx) => ctx.output(`refunded ${amount}`) });
  const approved = withApproval(refund, { describe: (amount) => `Refund $${amount}?` });
  const workflow = () => new WorkflowBuilder({ name: 'refunds', start: approved }).build();
  const policy = () => createApprovalGate({ onRequest: (request) => ({ approved: (request.payload.input as number) <= 50 }) });

  it('attaches a gate to start(): its decisions answer the run, which completes', async () => {
    const gate = policy();
    const small = await workflow().start(20, { approvals: gate }).result;
    const large = await workflow().start(80, { approvals: gate }).result;
    expect(small).toMatchObject({ status: 'completed', outputs: ['refunded 20'] });
    expect(large.outputs).toMatchObject([{ kind: 'approval.rejected', input: 80 }]);
    expect(gate.decisions.map((d) => [d.runId, d.decision.approved])).toEqual([
      [small.runId, true],
      [large.runId, false],
    ]);
  });

  it('attaches a gate to resume(), which then waits in memory for its answers', async () => {
    const store = new MemoryCheckpointStore();
    const waiting = await workflow().run(30, { checkpoints: store });
    expect(waiting.status).toBe('waiting');
    const gate = policy();
    const done = await workflow().resume(waiting.checkpointId as string, { checkpoints: store, approvals: gate });
    expect(done).toMatchObject({ runId: waiting.runId, status: 'completed', outputs: ['refunded 30'] });
    expect(gate.decisions).toMatchObject([{ runId: waiting.runId, decidedBy: 'policy', decision: { approved: true } }]);
  });

  it('refuses something that is not a gate, naming createApprovalGate', async () => {
    expect(() => workflow().start(1, { approvals: {} as never })).toThrow(/approvals must have attach\(run\).*createApprovalGate/);
    const store = new MemoryCheckpointStore();
    const waiting = await workflow().run(1, { checkpoints: store });
    expect(() => workflow().resume(waiting.checkpointId as string, { checkpoints: store, approvals: 'yes' as never })).toThrow(
      /approvals must have attach\(run\)/,
    );
  });
});
