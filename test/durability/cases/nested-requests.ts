// See docs/concepts/composition.md — requests of a nested workflow surface to the caller with their path, and the answers flow back
// down, in memory and across checkpoint/resume; the waiting child is part of the parent's checkpoint.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CheckpointError,
  RequestError,
  WorkflowBuilder,
  executor,
  fromFunction,
  loadCheckpoint,
  type PendingRequest,
  type WorkflowEvent,
} from 'weft';
import { caught, ofType, record, until, type StoreFactory } from '../helpers.js';
import { parentOfReview } from '../workflows.js';

/** outer: intake → middle, where middle nests (review nested in it) and outputs its results. */
function twoLevels(options: { readonly seen?: unknown[] } = {}) {
  const middle = new WorkflowBuilder({ name: 'middle', start: parentOfReview(options).asExecutor({ id: 'inner', outputs: 'output' }) }).build();
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (text, ctx) => ctx.send(text) });
  return new WorkflowBuilder({ name: 'outer', start }).addEdge(start, middle.asExecutor({ id: 'middle', outputs: 'output' })).build();
}

export function nestedRequestCases(makeStore: StoreFactory): void {
  describe('requests of a nested workflow', () => {
    it("surface to the caller with the child's path; the run waits", async () => {
      const store = makeStore();
      const result = await parentOfReview().run(' tea ', { checkpoints: store });

      expect(result.status).toBe('waiting');
      expect(result.pendingRequests).toEqual([
        {
          id: expect.any(String),
          executorId: 'review',
          path: ['review', 'approve'],
          payload: { text: 'draft about tea', reviewer: 'alice' },
          superstep: 2,
        },
      ]);
      expect(result.checkpointId).toBe((await store.latest(result.runId))?.id);
    });

    it('are announced by request.created with the path, and every request.created names a request the caller can answer', async () => {
      const events: WorkflowEvent[] = [];
      const handle = parentOfReview().start('tea');
      handle.events$.subscribe((event) => events.push(event));
      await until(() => events.some((e) => e.type === 'run.waiting' && e.path.length === 0));

      const created = ofType(events, 'request.created');
      for (const event of created) expect(event.path).toEqual(['review', 'approve']);
      // a UI lists requests from these events: each must be one it can answer, announced once
      const answerable = handle.pendingRequests.map((r) => r.id);
      expect(created.map((e) => e.request.id).filter((id) => !answerable.includes(id))).toEqual([]);
      expect(created.map((e) => e.request.id)).toEqual(answerable);
      handle.cancel();
      await caught(() => handle.result);
    });

    it('an answer through start().respond flows down to the child executor, and its result back up', async () => {
      const seen: unknown[] = [];
      const events: WorkflowEvent[] = [];
      const handle = parentOfReview({ seen }).start('tea');
      handle.events$.subscribe((event) => events.push(event));
      await until(() => handle.pendingRequests.length === 1);
      const [request] = handle.pendingRequests as [PendingRequest];

      await handle.respond(request.id, { approved: true, note: 'ship it' });
      const result = await handle.result;

      expect(result).toMatchObject({ status: 'completed', outputs: ['report: draft about tea: alice approved (ship it)'], pendingRequests: [] });
      // the child executor received the answer with its own request (its own id, same path and payload)
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        decision: { approved: true, note: 'ship it' },
        request: { executorId: 'approve', path: ['review', 'approve'], payload: request.payload },
      });
      const answered = ofType(events, 'request.answered').filter((e) => e.request.id === request.id);
      expect(answered.map((e) => [e.path, e.response])).toEqual([[['review', 'approve'], { approved: true, note: 'ship it' }]]);
    });

    it("a wrong answer is checked against the child executor's response schema and refused, changing nothing", async () => {
      const handle = parentOfReview().start('tea');
      await until(() => handle.pendingRequests.length === 1);
      const [request] = handle.pendingRequests as [PendingRequest];

      const error = await caught(() => handle.respond(request.id, { approved: 'sure' }));
      expect(error).toBeInstanceOf(RequestError);
      expect(error).toMatchObject({ reason: 'invalid_response', requestId: request.id });
      expect(handle.pendingRequests).toEqual([request]);

      await handle.respond(request.id, { approved: false });
      expect((await handle.result).outputs).toEqual(['report: draft about tea: alice rejected']);
    });

    it("the waiting child is part of the parent's checkpoint, in the nested node's state", async () => {
      const store = makeStore();
      const result = await parentOfReview().run('tea', { checkpoints: store });
      const checkpoint = await loadCheckpoint(store, result.checkpointId as string);

      // one waiting child run, under a key of its own (a node may hold several)
      const children = Object.values(
        checkpoint.executorStates['review'] as Record<string, { child: { pendingRequests: PendingRequest[] }; requests: Record<string, string> }>,
      );
      expect(children).toHaveLength(1);
      const node = children[0] as { child: { pendingRequests: PendingRequest[] }; requests: Record<string, string> };
      expect(node.child.pendingRequests).toEqual([
        expect.objectContaining({ executorId: 'approve', path: ['review', 'approve'], payload: { text: 'draft about tea', reviewer: 'alice' } }),
      ]);
      expect(node.requests).toEqual({ [result.pendingRequests[0]?.id as string]: node.child.pendingRequests[0]?.id });
      expect(checkpoint.pendingRequests).toEqual(result.pendingRequests);
    });

    it("a child's per-request response schema (ctx.request(payload, { response })) is enforced when the parent is answered", async () => {
      const asker = executor({
        id: 'asker',
        input: z.string(),
        handle: (_text, ctx) => {
          ctx.request({ q: 'yes or no?' }, { response: z.enum(['yes', 'no']) });
        },
        onResponse: (answer, _request, ctx) => ctx.output(answer),
      });
      const child = new WorkflowBuilder({ name: 'child', start: asker }).build();
      const parent = new WorkflowBuilder({ name: 'parent', start: child.asExecutor({ id: 'nested', outputs: 'output' }) }).build();
      const handle = parent.start('go');
      await until(() => handle.pendingRequests.length === 1);
      const [request] = handle.pendingRequests as [PendingRequest];
      expect(request.path).toEqual(['nested', 'asker']);

      const error = await caught(() => handle.respond(request.id, 'maybe'));
      expect(error).toBeInstanceOf(RequestError);
      expect(error).toMatchObject({ reason: 'invalid_response' });
      await handle.respond(request.id, 'yes');
      expect((await handle.result).outputs).toEqual(['yes']);
    });
  });

  describe('answers whose response schema transforms them', () => {
    /** parent → nested child whose `measure` executor's response schema turns a string into its length. */
    function measuring(seen: unknown[]) {
      const measure = executor({
        id: 'measure',
        input: z.string(),
        response: z.string().transform((text) => text.length),
        handle: (_text, ctx) => {
          ctx.request({ q: 'how long?' });
        },
        onResponse: (length, _request, ctx) => {
          seen.push(length);
          ctx.output(length);
        },
      });
      const child = new WorkflowBuilder({ name: 'child', start: measure }).build();
      return new WorkflowBuilder({ name: 'parent', start: child.asExecutor({ id: 'nested', outputs: 'output' }) }).build();
    }

    it('are parsed once on the way down (a start() handle)', async () => {
      const seen: unknown[] = [];
      const handle = measuring(seen).start('go');
      await until(() => handle.pendingRequests.length === 1);
      await handle.respond(handle.pendingRequests[0]?.id as string, 'four');
      expect(await handle.result).toMatchObject({ status: 'completed', outputs: [4] });
      expect(seen).toEqual([4]);
    });

    it('are parsed once on the way down (resume with responses)', async () => {
      const store = makeStore();
      const waiting = await measuring([]).run('go', { checkpoints: store });
      const seen: unknown[] = [];
      const resumed = await measuring(seen).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [waiting.pendingRequests[0]?.id as string]: 'four' },
      });
      expect(resumed).toMatchObject({ status: 'completed', outputs: [4] });
      expect(seen).toEqual([4]);
    });
  });

  describe('across checkpoint and resume, in a new Workflow instance', () => {
    it('resume({ responses }) delivers the answer down to the child and completes the parent', async () => {
      const store = makeStore();
      const waiting = await parentOfReview().run('tea', { checkpoints: store });
      const seen: unknown[] = [];

      const resumed = await parentOfReview({ seen }).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [waiting.pendingRequests[0]?.id as string]: { approved: true } },
      });

      expect(resumed).toMatchObject({ runId: waiting.runId, status: 'completed', outputs: ['report: draft about tea: alice approved'] });
      expect(seen).toHaveLength(1);
      expect((await loadCheckpoint(store, resumed.checkpointId as string)).executorStates['review']).toEqual({});
    });

    it('a wrong answer on resume is refused and writes nothing; the right one then works', async () => {
      const store = makeStore();
      const waiting = await parentOfReview().run('tea', { checkpoints: store });
      const id = waiting.pendingRequests[0]?.id as string;
      const count = (await store.list(waiting.runId)).length;

      const error = await caught(() =>
        parentOfReview().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [id]: { approved: 1 } } }),
      );
      expect(error).toMatchObject({ reason: 'invalid_response', requestId: id });
      expect((await store.list(waiting.runId)).length).toBe(count);

      const resumed = await parentOfReview().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [id]: { approved: true } } });
      expect(resumed.outputs).toEqual(['report: draft about tea: alice approved']);
    });

    it('two child requests answered one at a time across resumes: the other stays pending under the same id', async () => {
      const store = makeStore();
      const reviewers = ['alice', 'bob'];
      const waiting = await parentOfReview({ reviewers }).run('tea', { checkpoints: store });
      expect(waiting.pendingRequests.map((r) => [r.path, (r.payload as { reviewer: string }).reviewer])).toEqual([
        [['review', 'approve'], 'alice'],
        [['review', 'approve'], 'bob'],
      ]);
      const [alice, bob] = waiting.pendingRequests as [PendingRequest, PendingRequest];

      const half = await parentOfReview({ reviewers }).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [bob.id]: { approved: false } },
      });
      expect(half.status).toBe('waiting');
      expect(half.pendingRequests).toEqual([alice]);
      expect(half.outputs).toEqual([]); // the child has not finished: its outputs wait for it

      const done = await parentOfReview({ reviewers }).resume(half.checkpointId as string, {
        checkpoints: store,
        responses: { [alice.id]: { approved: true } },
      });
      expect(done).toMatchObject({ status: 'completed', pendingRequests: [] });
      expect(done.outputs).toEqual(['report: draft about tea: bob rejected', 'report: draft about tea: alice approved']);
    });

    it('two child requests answered one at a time on a start() handle', async () => {
      const handle = parentOfReview({ reviewers: ['alice', 'bob'] }).start('tea');
      await until(() => handle.pendingRequests.length === 2);
      const [alice, bob] = handle.pendingRequests as [PendingRequest, PendingRequest];
      await handle.respond(alice.id, { approved: true });
      await until(() => handle.pendingRequests.length === 1 && handle.pendingRequests[0]?.id === bob.id);
      await handle.respond(bob.id, { approved: true, note: 'fine' });
      expect((await handle.result).outputs).toEqual(['report: draft about tea: alice approved', 'report: draft about tea: bob approved (fine)']);
    });

    it('two levels deep: the path grows at each level and the answer reaches the innermost executor after a resume', async () => {
      const store = makeStore();
      const waiting = await twoLevels().run('tea', { checkpoints: store });
      expect(waiting.status).toBe('waiting');
      expect(waiting.pendingRequests.map((r) => [r.executorId, r.path])).toEqual([['middle', ['middle', 'inner', 'review', 'approve']]]);

      const wrong = await caught(() =>
        twoLevels().resume(waiting.checkpointId as string, {
          checkpoints: store,
          responses: { [waiting.pendingRequests[0]?.id as string]: { approved: 'no' } },
        }),
      );
      expect(wrong).toMatchObject({ reason: 'invalid_response' });

      const seen: unknown[] = [];
      const resumed = await twoLevels({ seen }).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [waiting.pendingRequests[0]?.id as string]: { approved: true } },
      });
      expect(resumed).toMatchObject({ status: 'completed', outputs: ['report: draft about tea: alice approved'] });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ request: { path: ['middle', 'inner', 'review', 'approve'] } });
    });

    it('a checkpoint of the parent is refused when the nested workflow changed shape (the signature covers it)', async () => {
      const store = makeStore();
      const waiting = await parentOfReview().run('tea', { checkpoints: store });
      const changedChild = new WorkflowBuilder({
        name: 'review',
        start: executor({ id: 'draft', input: z.string(), handle: () => undefined }),
      }).build();
      const intake = fromFunction('intake', (topic: string) => topic.trim(), { input: z.string(), output: z.string() });
      const report = executor({ id: 'report', input: z.string(), handle: (text, ctx) => ctx.output(text) });
      const changed = new WorkflowBuilder({ name: 'parent', start: intake })
        .addEdge(intake, changedChild.asExecutor({ id: 'review' }))
        .addEdge('review', report)
        .build();

      const error = await caught(() =>
        changed.resume(waiting.checkpointId as string, {
          checkpoints: store,
          responses: { [waiting.pendingRequests[0]?.id as string]: { approved: true } },
        }),
      );
      expect(error).toBeInstanceOf(CheckpointError);
      expect(error).toMatchObject({ reason: 'signature_mismatch' });
    });

    it('stream() of a nested run that waits completes after run.waiting', async () => {
      const { events, error, completed } = await record(parentOfReview().stream('tea'));
      expect(error).toBeUndefined();
      expect(completed).toBe(true);
      const top = events.filter((e) => e.path.length === 0);
      expect(top.at(-1)?.type).toBe('run.waiting');
    });
  });
}
