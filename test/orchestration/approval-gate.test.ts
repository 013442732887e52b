// createApprovalGate(): answers approval requests from code, rejects on timeout, and keeps an audit trail.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  MemoryCheckpointStore,
  WorkflowBuilder,
  createApprovalGate,
  executor,
  withApproval,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalRequest,
} from 'weft';
import { deferred, tick, until } from '../support/async.js';

/** Lets the event loop turn a few times, so that anything already due can happen. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await tick();
};

const refundSchema = z.object({ order: z.string(), amount: z.number().positive() });
type Refund = z.infer<typeof refundSchema>;

function setup() {
  const done: Refund[] = [];
  const issue = executor({
    id: 'refund',
    input: refundSchema,
    concurrency: 8,
    handle: (refund, ctx) => {
      done.push(refund);
      ctx.output(`refunded ${refund.amount} on ${refund.order}`);
    },
  });
  const approved = withApproval(issue, { describe: (r) => `Refund $${r.amount} on ${r.order}?` });
  const intake = executor({
    id: 'intake',
    input: z.array(refundSchema),
    output: refundSchema,
    handle: (refunds, ctx) => refunds.forEach((r) => ctx.send(r)),
  });
  const workflow = new WorkflowBuilder({ name: 'refunds', start: intake }).addEdge(intake, approved).build();
  return { workflow, done };
}

const small = (request: ApprovalRequest): ApprovalDecision =>
  (request.payload.input as Refund).amount <= 50 ? { approved: true } : { approved: false, reason: 'over $50' };

afterEach(() => {
  vi.useRealTimers();
});

describe('createApprovalGate', () => {
  it('answers every approval of a run with its policy and records each decision', async () => {
    const { workflow, done } = setup();
    const told: ApprovalRecord[] = [];
    const gate = createApprovalGate({ onRequest: small, onDecision: (record) => told.push(record) });
    const run = workflow.start([
      { order: 'A-1', amount: 20 },
      { order: 'A-2', amount: 80 },
    ]);
    gate.attach(run);
    const result = await run.result;
    expect(result.outputs).toEqual([
      'refunded 20 on A-1',
      { kind: 'approval.rejected', executorId: 'refund', input: { order: 'A-2', amount: 80 }, reason: 'over $50' },
    ]);
    expect(done).toEqual([{ order: 'A-1', amount: 20 }]);
    expect(gate.decisions.map((d) => [d.description, d.decision.approved, d.decidedBy, d.runId === run.runId, d.path.join('/')])).toEqual([
      ['Refund $20 on A-1?', true, 'policy', true, 'refund'],
      ['Refund $80 on A-2?', false, 'policy', true, 'refund'],
    ]);
    expect(told).toEqual(gate.decisions);
    expect(typeof gate.decisions[0]?.at).toBe('number');
  });

  it('waits for an asynchronous decision (a webhook, a chat bot) and can approve a modified input', async () => {
    const { workflow, done } = setup();
    const answer = deferred<ApprovalDecision>();
    const gate = createApprovalGate({ onRequest: () => answer.promise });
    const run = workflow.start([{ order: 'A-1', amount: 500 }]);
    gate.attach(run);
    await until(() => run.pendingRequests.length === 1);
    expect(done).toEqual([]);
    answer.resolve({ approved: true, input: { order: 'A-1', amount: 50 }, reason: 'capped' });
    expect((await run.result).outputs).toEqual(['refunded 50 on A-1']);
    expect(gate.decisions[0]?.decision).toEqual({ approved: true, input: { order: 'A-1', amount: 50 }, reason: 'capped' });
  });

  it('rejects a request that is not decided in time, and ignores the late decision', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workflow, done } = setup();
    const late = deferred<ApprovalDecision>();
    const gate = createApprovalGate({ onRequest: () => late.promise, timeoutMs: 60_000 });
    const run = workflow.start([{ order: 'A-1', amount: 20 }]);
    gate.attach(run);
    await until(() => run.pendingRequests.length === 1);
    vi.advanceTimersByTime(59_999);
    await settle();
    expect(run.pendingRequests).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const result = await run.result;
    expect(result.outputs).toEqual([
      { kind: 'approval.rejected', executorId: 'refund', input: { order: 'A-1', amount: 20 }, reason: 'No decision within 60000 ms.' },
    ]);
    late.resolve({ approved: true });
    await settle();
    expect(done).toEqual([]);
    expect(gate.decisions.map((d) => d.decidedBy)).toEqual(['timeout']);
  });

  it('rejects when the policy throws or gives an invalid decision, recording why', async () => {
    const { workflow, done } = setup();
    const gate = createApprovalGate({
      onRequest: (request) => {
        const refund = request.payload.input as Refund;
        if (refund.order === 'A-1') throw new Error('policy service down');
        return { approved: true, input: { order: refund.order, amount: -1 } }; // not a valid refund
      },
    });
    const run = workflow.start([
      { order: 'A-1', amount: 20 },
      { order: 'A-2', amount: 30 },
    ]);
    gate.attach(run);
    const result = await run.result;
    expect(done).toEqual([]);
    expect(result.outputs).toHaveLength(2);
    const reasons = gate.decisions.map((d) => [d.decidedBy, d.decision.approved, d.decision.reason]);
    expect(reasons).toEqual([
      ['error', false, 'onRequest failed: policy service down'],
      ['error', false, expect.stringContaining('The decision was refused')],
    ]);
  });

  it('leaves requests that are not approvals to others', async () => {
    const ask = executor({
      id: 'ask',
      input: z.string(),
      response: z.string(),
      handle: (question, ctx) => {
        ctx.request({ question });
      },
      onResponse: (answer, _request, ctx) => ctx.output(answer),
    });
    let asked = 0;
    const gate = createApprovalGate({ onRequest: () => (asked++, { approved: true }) });
    const run = new WorkflowBuilder({ name: 'q', start: ask }).build().start('name?');
    gate.attach(run);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, 'weft');
    expect((await run.result).outputs).toEqual(['weft']);
    expect(asked).toBe(0);
    expect(gate.decisions).toEqual([]);
  });

  it('answers approvals surfaced by nested workflows, and those already pending when attached', async () => {
    const { workflow: inner, done } = setup();
    const child = inner.asExecutor({ id: 'billing', outputs: 'output' });
    const outer = new WorkflowBuilder({ name: 'outer', start: child }).build();
    const run = outer.start([{ order: 'A-1', amount: 20 }]);
    await until(() => run.pendingRequests.length === 1);
    const gate = createApprovalGate({ onRequest: () => ({ approved: true }) });
    gate.attach(run);
    expect((await run.result).outputs).toEqual(['refunded 20 on A-1']);
    expect(done).toHaveLength(1);
    expect(gate.decisions[0]?.path).toEqual(['billing', 'refund']);
  });

  it('stops answering once detached', async () => {
    const { workflow, done } = setup();
    const answer = deferred<ApprovalDecision>();
    const gate = createApprovalGate({ onRequest: () => answer.promise });
    const run = workflow.start([{ order: 'A-1', amount: 20 }]);
    const detach = gate.attach(run);
    await until(() => run.pendingRequests.length === 1);
    detach();
    answer.resolve({ approved: true });
    await settle();
    expect(run.pendingRequests).toHaveLength(1);
    expect(done).toEqual([]);
    expect(gate.decisions).toEqual([]);
    run.cancel();
    await run.result.catch(() => undefined);
  });

  it('gives up, deciding nothing, when the run ends before the decision', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workflow, done } = setup();
    const answer = deferred<ApprovalDecision>();
    const gate = createApprovalGate({ onRequest: () => answer.promise, timeoutMs: 1_000 });
    const run = workflow.start([{ order: 'A-1', amount: 20 }]);
    gate.attach(run);
    await until(() => run.pendingRequests.length === 1);
    run.cancel();
    await run.result.catch(() => undefined);
    answer.resolve({ approved: true });
    vi.advanceTimersByTime(1_000);
    await settle();
    expect(gate.decisions).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(done).toEqual([]);
  });

  it('decides requests of a waiting run for a resume in another process', async () => {
    const store = new MemoryCheckpointStore();
    const { workflow } = setup();
    const waiting = await workflow.run(
      [
        { order: 'A-1', amount: 20 },
        { order: 'A-2', amount: 90 },
      ],
      { checkpoints: store },
    );
    const gate = createApprovalGate({ onRequest: small });
    const responses: Record<string, ApprovalDecision> = {};
    for (const request of waiting.pendingRequests) responses[request.id] = await gate.decide(request as ApprovalRequest);
    const { workflow: again, done } = setup();
    const result = await again.resume(waiting.checkpointId as string, { checkpoints: store, responses });
    expect(result.status).toBe('completed');
    expect(done).toEqual([{ order: 'A-1', amount: 20 }]);
    expect(gate.decisions.map((d) => [d.decision.approved, d.runId])).toEqual([
      [true, undefined],
      [false, undefined],
    ]);
  });

  it('checks its options', () => {
    expect(() => createApprovalGate({} as never)).toThrow(/onRequest/);
    expect(() => createApprovalGate({ onRequest: () => ({ approved: true }), timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
