// withApproval(): asks before every invocation; no path (concurrency, retries, nesting, resume after a crash) may skip it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  MemoryCheckpointStore,
  OutputValidationError,
  RequestError,
  RunCancelledError,
  WorkflowBuilder,
  executor,
  isApprovalRequest,
  withApproval,
  type ApprovalRequest,
  type ApprovalRejection,
  type WorkflowEvent,
} from 'weft';
import { Gates, caught, ofType, record, until } from '../support/async.js';

const refundSchema = z.object({ order: z.string(), amount: z.number().positive() });
type Refund = z.infer<typeof refundSchema>;

/** An executor that does the work and counts every time it really runs. */
function refunder(options: { retry?: { attempts: number }; concurrency?: number; failTimes?: number } = {}) {
  const done: Refund[] = [];
  let failures = options.failTimes ?? 0;
  const issue = executor({
    id: 'refund',
    input: refundSchema,
    output: z.string(),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    handle: (refund, ctx) => {
      done.push(refund);
      if (failures-- > 0) throw new Error('payment provider down');
      ctx.send(`refunded ${refund.amount} on ${refund.order}`);
    },
  });
  return { issue, done };
}

const describeRefund = (refund: Refund): string => `Refund $${refund.amount} on ${refund.order}?`;
const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

function graph(approved: ReturnType<typeof withApproval<Refund, string, any, any>>) {
  const intake = executor({
    id: 'intake',
    input: z.array(refundSchema),
    output: refundSchema,
    handle: (refunds, ctx) => refunds.forEach((r) => ctx.send(r)),
  });
  return new WorkflowBuilder({ name: 'refunds', start: intake }).addEdge(intake, approved).addEdge(approved, sink).build();
}

describe('withApproval', () => {
  it('asks before running, and the run waits without running the executor', async () => {
    const { issue, done } = refunder();
    const result = await graph(withApproval(issue, { describe: describeRefund })).run([{ order: 'A-1', amount: 20 }]);
    expect(result.status).toBe('waiting');
    expect(done).toEqual([]);
    const [request] = result.pendingRequests;
    expect(request !== undefined && isApprovalRequest(request)).toBe(true);
    expect(request?.payload).toEqual({
      kind: 'approval',
      executorId: 'refund',
      description: 'Refund $20 on A-1?',
      input: { order: 'A-1', amount: 20 },
    });
    expect(request?.path).toEqual(['refund']);
  });

  it('runs the executor once when approved, sending along its edges', async () => {
    const { issue, done } = refunder();
    const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }]);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
    expect((await run.result).outputs).toEqual(['refunded 20 on A-1']);
    expect(done).toHaveLength(1);
  });

  it('does not run the executor when rejected, and outputs the rejection', async () => {
    const { issue, done } = refunder();
    const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }]);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'over the limit' });
    const rejection: ApprovalRejection<Refund> = {
      kind: 'approval.rejected',
      executorId: 'refund',
      input: { order: 'A-1', amount: 20 },
      reason: 'over the limit',
    };
    expect((await run.result).outputs).toEqual([rejection]);
    expect(done).toEqual([]);
  });

  it('says a rejection was refused by the output schema when there is no onReject', async () => {
    const { issue } = refunder();
    const approved = withApproval(issue, { describe: describeRefund });
    const intake = executor({ id: 'intake', input: refundSchema, output: refundSchema, handle: (r, ctx) => ctx.send(r) });
    const workflow = new WorkflowBuilder({ name: 'refunds', start: intake, output: z.string() })
      .addEdge(intake, approved)
      .addEdge(approved, sink)
      .build();
    const run = workflow.start({ order: 'A-1', amount: 20 });
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'over the limit' });
    const error = await caught(() => run.result);
    expect(error).toBeInstanceOf(ExecutorError);
    const cause = (error as ExecutorError).cause;
    expect(cause).toBeInstanceOf(OutputValidationError);
    expect((cause as Error).message).toMatch(
      /^The approval of "refund" was rejected \("over the limit"\)\. Without onReject a rejection becomes a run output, which the workflow's output schema refuses\./,
    );
  });

  it('routes a rejection with onReject, as a message of the executor’s output type', async () => {
    const { issue, done } = refunder();
    const approved = withApproval(issue, {
      describe: describeRefund,
      onReject: (rejection, ctx) => ctx.send(`declined ${rejection.input.order}: ${rejection.reason ?? 'no reason'}`),
    });
    const run = graph(approved).start([{ order: 'A-1', amount: 20 }]);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: false, reason: 'fraud' });
    expect((await run.result).outputs).toEqual(['declined A-1: fraud']);
    expect(done).toEqual([]);
  });

  it('runs with a modified input when approved with one, and refuses a modified input that does not fit', async () => {
    const { issue, done } = refunder();
    const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 200 }]);
    await until(() => run.pendingRequests.length === 1);
    const id = run.pendingRequests[0]?.id as string;
    const refused = await caught(() => run.respond(id, { approved: true, input: { order: 'A-1', amount: -5 } }));
    expect(refused).toBeInstanceOf(RequestError);
    expect((refused as RequestError).reason).toBe('invalid_response');
    expect(run.pendingRequests.map((r) => r.id)).toEqual([id]); // still waiting, nothing ran
    expect(await caught(() => run.respond(id, { approved: false, input: { order: 'A-1', amount: 5 } }))).toBeInstanceOf(RequestError);
    await run.respond(id, { approved: true, input: { order: 'A-1', amount: 50 }, reason: 'partial refund' });
    expect((await run.result).outputs).toEqual(['refunded 50 on A-1']);
    expect(done).toEqual([{ order: 'A-1', amount: 50 }]);
  });

  it('asks once per message: many messages, many requests', async () => {
    const { issue } = refunder();
    const result = await graph(withApproval(issue, { describe: describeRefund })).run([
      { order: 'A-1', amount: 1 },
      { order: 'A-2', amount: 2 },
      { order: 'A-3', amount: 3 },
    ]);
    expect(result.pendingRequests.map((r) => (r as ApprovalRequest).payload.description)).toEqual([
      'Refund $1 on A-1?',
      'Refund $2 on A-2?',
      'Refund $3 on A-3?',
    ]);
  });

  it('fails the run when the approved work fails, without asking again', async () => {
    const { issue, done } = refunder({ failTimes: 1 });
    const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }]);
    const recorded = record(run.events$);
    await until(() => run.pendingRequests.length === 1);
    await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
    const error = await caught(() => run.result);
    expect((error as Error).message).toContain('payment provider down');
    expect(done).toHaveLength(1);
    expect(ofType((await recorded).events, 'request.created')).toHaveLength(1);
  });

  it('stops when the run is cancelled while it waits for an answer: nothing runs', async () => {
    const { issue, done } = refunder();
    const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }]);
    await until(() => run.pendingRequests.length === 1);
    run.cancel();
    expect(await caught(() => run.result)).toBeInstanceOf(RunCancelledError);
    expect(done).toEqual([]);
  });

  describe('cannot be bypassed', () => {
    it('with concurrency > 1: every concurrent invocation asks, and only approved ones run', async () => {
      const { issue, done } = refunder({ concurrency: 4 });
      const approved = withApproval(issue, { describe: describeRefund });
      expect(approved.concurrency).toBe(4);
      const run = graph(approved).start([1, 2, 3, 4].map((n) => ({ order: `A-${n}`, amount: n })));
      await until(() => run.pendingRequests.length === 4);
      expect(done).toEqual([]);
      const [a, b, c] = run.pendingRequests as ApprovalRequest<Refund>[];
      await run.respond(a?.id as string, { approved: true });
      await run.respond(b?.id as string, { approved: false });
      await run.respond(c?.id as string, { approved: true });
      await until(() => done.length === 2);
      expect(done.map((r) => r.order).sort()).toEqual([a?.payload.input.order, c?.payload.input.order].sort());
      expect(run.pendingRequests).toHaveLength(1); // the fourth still waits, not run
      run.cancel();
      await caught(() => run.result);
      expect(done).toHaveLength(2);
    });

    it('with retries: a failing approved run is retried on the approved input without asking again', async () => {
      const { issue, done } = refunder({ retry: { attempts: 3 }, failTimes: 2 });
      const run = graph(withApproval(issue, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }]);
      const events: WorkflowEvent[] = [];
      run.events$.subscribe((event) => events.push(event));
      await until(() => run.pendingRequests.length === 1);
      await run.respond(run.pendingRequests[0]?.id as string, { approved: true, input: { order: 'A-1', amount: 15 } });
      expect((await run.result).outputs).toEqual(['refunded 15 on A-1']);
      expect(done).toEqual([
        { order: 'A-1', amount: 15 },
        { order: 'A-1', amount: 15 },
        { order: 'A-1', amount: 15 },
      ]);
      expect(ofType(events, 'request.created')).toHaveLength(1);
      expect(ofType(events, 'executor.retried')).toHaveLength(2);
    });

    it('with retries: a retried question still asks, and nothing runs before the answer', async () => {
      const { issue, done } = refunder({ retry: { attempts: 2 } });
      let describeCalls = 0;
      const flakyDescribe = (refund: Refund): string => {
        if (++describeCalls === 1) throw new Error('template service down');
        return describeRefund(refund);
      };
      const approved = withApproval(issue, { describe: flakyDescribe });
      const result = await graph(approved).run([{ order: 'A-1', amount: 20 }]);
      expect(describeCalls).toBe(2);
      expect(result.status).toBe('waiting');
      expect(result.pendingRequests).toHaveLength(1);
      expect(done).toEqual([]);
    });

    it("with the graph's setDefaults retry: the same, once per invocation", async () => {
      const { issue, done } = refunder({ failTimes: 1 });
      const approved = withApproval(issue, { describe: describeRefund });
      const intake = executor({ id: 'intake', input: refundSchema, output: refundSchema, handle: (r, ctx) => ctx.send(r) });
      const workflow = new WorkflowBuilder({ name: 'refunds', start: intake })
        .addEdge(intake, approved)
        .addEdge(approved, sink)
        .setDefaults({ retry: { attempts: 2 } })
        .build();
      const run = workflow.start({ order: 'A-1', amount: 20 });
      const { events } = await (async () => {
        const recorded = record(run.events$);
        await until(() => run.pendingRequests.length === 1);
        expect(done).toEqual([]);
        await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
        return recorded;
      })();
      expect((await run.result).outputs).toEqual(['refunded 20 on A-1']);
      expect(done).toHaveLength(2);
      expect(ofType(events, 'request.created')).toHaveLength(1);
    });

    it('when nested: the request surfaces in the parent with its path, and the answer runs the executor once', async () => {
      const { issue, done } = refunder();
      const inner = graph(withApproval(issue, { describe: describeRefund }));
      const child = inner.asExecutor({ id: 'billing' });
      const start = executor({ id: 'start', input: z.array(refundSchema), output: z.array(refundSchema), handle: (r, ctx) => ctx.send(r) });
      const outer = new WorkflowBuilder({ name: 'outer', start }).addEdge(start, child).addEdge(child, sink).build();
      const run = outer.start([{ order: 'A-1', amount: 20 }]);
      const created: ApprovalRequest[] = [];
      run.events$.subscribe((event) => {
        if (event.type === 'request.created' && isApprovalRequest(event.request)) created.push(event.request);
      });
      await until(() => created.length === 1);
      expect(created[0]?.path).toEqual(['billing', 'refund']);
      expect(done).toEqual([]);
      await run.respond(created[0]?.id as string, { approved: true });
      expect((await run.result).outputs).toEqual(['refunded 20 on A-1']);
      expect(done).toHaveLength(1);
    });

    it('after a crash: the pending approval is in the checkpoint; resuming without an answer runs nothing, with one runs it exactly once', async () => {
      const store = new MemoryCheckpointStore();
      const first = refunder();
      const waiting = await graph(withApproval(first.issue, { describe: describeRefund })).run([{ order: 'A-1', amount: 20 }], {
        checkpoints: store,
        runId: 'r1',
      });
      expect(waiting.status).toBe('waiting');
      const stored = await store.latest('r1');
      expect(JSON.parse(stored?.data ?? '{}').pendingRequests).toHaveLength(1);

      // The process dies; a new one builds the same graph (with new executor objects) and resumes.
      const second = refunder();
      const again = await graph(withApproval(second.issue, { describe: describeRefund })).resume(waiting.checkpointId as string, {
        checkpoints: store,
      });
      expect(again.status).toBe('waiting');
      expect(second.done).toEqual([]);

      const third = refunder();
      const requestId = waiting.pendingRequests[0]?.id as string;
      const resumed = await graph(withApproval(third.issue, { describe: describeRefund })).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [requestId]: { approved: true } },
      });
      expect(resumed.status).toBe('completed');
      expect(resumed.outputs).toEqual(['refunded 20 on A-1']);
      expect(third.done).toHaveLength(1);
      expect(first.done).toEqual([]);
    });

    it('after a crash while the approved work runs: resuming runs it once more, without asking again', async () => {
      const store = new MemoryCheckpointStore();
      const gates = new Gates();
      const hanging = executor({
        id: 'refund',
        input: refundSchema,
        output: z.string(),
        handle: async (refund, ctx) => {
          await gates.wait('never');
          ctx.send(`refunded ${refund.amount}`);
        },
      });
      const run = graph(withApproval(hanging, { describe: describeRefund })).start([{ order: 'A-1', amount: 20 }], {
        checkpoints: store,
        runId: 'r2',
      });
      await until(() => run.pendingRequests.length === 1);
      const invoked: string[] = [];
      run.events$.subscribe((event) => {
        if (event.type === 'executor.invoked') invoked.push(event.executorId);
      });
      await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
      await until(() => invoked.includes('refund'));
      run.cancel('crash'); // the process dies in the middle of the refund
      await caught(() => run.result);

      const latest = await store.latest('r2');
      const { issue, done } = refunder();
      const resumed = graph(withApproval(issue, { describe: describeRefund }));
      const { events, error } = await record(resumed.resumeStream(latest?.id as string, { checkpoints: store }));
      expect(error).toBeUndefined();
      expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual(['refunded 20 on A-1']);
      expect(done).toHaveLength(1);
      expect(ofType(events, 'request.created')).toHaveLength(0);
    });
  });

  it('wraps a nested workflow: asks first, then the child’s own requests surface and are answered through it', async () => {
    const confirm = executor({
      id: 'confirm',
      input: z.string(),
      response: z.object({ ok: z.boolean() }),
      handle: (text, ctx) => {
        ctx.request({ question: `Really ${text}?` });
      },
      onResponse: (answer, request, ctx) => ctx.output(answer.ok ? `${(request.payload as { question: string }).question} yes` : 'no'),
    });
    const child = new WorkflowBuilder({ name: 'child', start: confirm }).build().asExecutor({ id: 'deploy' });
    const approved = withApproval(child, { describe: (text) => `Deploy ${text}?` });
    const run = approved.toWorkflow().start('v2');
    await until(() => run.pendingRequests.length === 1);
    const approval = run.pendingRequests[0] as ApprovalRequest;
    expect(approval.payload.description).toBe('Deploy v2?');
    await run.respond(approval.id, { approved: true });
    await until(() => run.pendingRequests.length === 1 && run.pendingRequests[0]?.id !== approval.id);
    const inner = run.pendingRequests[0];
    expect(inner?.path).toEqual(['deploy', 'confirm']);
    await run.respond(inner?.id as string, { ok: true });
    expect((await run.result).outputs).toEqual(['Really v2? yes']);
  });

  it('refuses to wrap an executor twice, or without describe', () => {
    const { issue } = refunder();
    const once = withApproval(issue, { describe: describeRefund });
    expect(() => withApproval(once, { describe: describeRefund })).toThrow(/already asks for approval/);
    expect(() => withApproval(issue, {} as never)).toThrow(/needs describe/);
  });

  it('is a small graph of its own', async () => {
    const { issue } = refunder();
    const workflow = withApproval(issue, { describe: describeRefund }).toWorkflow();
    const result = await workflow.run({ order: 'A-1', amount: 20 });
    expect(result.status).toBe('waiting');
  });
});
