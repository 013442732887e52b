// See docs/guides/human-in-the-loop.md — human in the loop: ctx.request records a pending request, the run waits, an answer is validated
// and reaches onResponse in the next superstep; a refused answer changes nothing; requests survive checkpoints.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  RequestError,
  WorkflowBuilder,
  executor,
  fromFunction,
  isWeftError,
  loadCheckpoint,
  type PendingRequest,
  type WorkflowEvent,
} from 'weft';
import { caught, deferred, ofType, record, settled, turns, until, type StoreFactory } from '../helpers.js';
import { reviewWorkflow } from '../workflows.js';

/** Starts a review run and waits until it reports `run.waiting`. */
async function startWaiting(
  options: { readonly reviewers?: readonly string[]; readonly seen?: unknown[]; readonly checkpoints?: ReturnType<StoreFactory> } = {},
) {
  const events: WorkflowEvent[] = [];
  const handle = reviewWorkflow(options).start('tea', options.checkpoints === undefined ? {} : { checkpoints: options.checkpoints });
  handle.events$.subscribe((event) => events.push(event));
  await until(() => events.some((e) => e.type === 'run.waiting'));
  return { handle, events, done: settled(handle.result) };
}

function expectRequestError(error: unknown, reason: RequestError['reason']): void {
  expect(error).toBeInstanceOf(RequestError);
  expect(isWeftError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'request_invalid', reason });
}

/** fork → asker (asks) and hop1 → hop2 → hop3, each hop outputting `<id>@<superstep>`; `gate(id)` may hold a hop. */
function sideBySide(gate?: (id: string) => Promise<void> | undefined) {
  const fork = fromFunction('fork', (text: string) => text, { input: z.string(), output: z.string() });
  const asker = executor({
    id: 'asker',
    input: z.string(),
    handle: (text, ctx) => {
      ctx.request({ text });
    },
    onResponse: (answer, _request, ctx) => ctx.output(`answer ${String(answer)}@${ctx.superstep}`),
  });
  const hop = (id: string) =>
    executor({
      id,
      input: z.string(),
      output: z.string(),
      handle: async (text, ctx) => {
        await gate?.(id);
        ctx.output(`${id}@${ctx.superstep}`);
        if (id !== 'hop3') ctx.send(text);
      },
    });
  const [hop1, hop2, hop3] = [hop('hop1'), hop('hop2'), hop('hop3')];
  return new WorkflowBuilder({ name: 'side-by-side', start: fork }).addFanOut(fork, [asker, hop1]).addEdge(hop1, hop2).addEdge(hop2, hop3).build();
}

export function requestCases(makeStore: StoreFactory): void {
  describe('a request makes the run wait', () => {
    it("run() resolves 'waiting' with the pending requests and the checkpoint to resume from", async () => {
      const store = makeStore();
      const result = await reviewWorkflow().run('tea', { checkpoints: store });

      expect(result.status).toBe('waiting');
      expect(result.outputs).toEqual([]);
      expect(result.pendingRequests).toEqual([
        { id: expect.any(String), executorId: 'approve', path: ['approve'], payload: { text: 'draft about tea', reviewer: 'alice' }, superstep: 2 },
      ]);
      expect(result.checkpointId).toBe((await store.latest(result.runId))?.id);
      expect((await loadCheckpoint(store, result.checkpointId as string)).pendingRequests).toEqual(result.pendingRequests);
    });

    it('emits request.created when asked and run.waiting at the end, and stream() then completes (no run.completed)', async () => {
      const { events, error, completed } = await record(reviewWorkflow({ reviewers: ['alice', 'bob'] }).stream('tea'));

      expect(error).toBeUndefined();
      expect(completed).toBe(true);
      const created = ofType(events, 'request.created');
      expect(created.map((e) => [e.request.payload, e.path, e.superstep])).toEqual([
        [{ text: 'draft about tea', reviewer: 'alice' }, ['approve'], 2],
        [{ text: 'draft about tea', reviewer: 'bob' }, ['approve'], 2],
      ]);
      expect(events.at(-1)?.type).toBe('run.waiting');
      expect(ofType(events, 'run.waiting')[0]?.requests).toEqual(created.map((e) => e.request));
      expect(ofType(events, 'run.completed')).toEqual([]);
    });

    it('the run goes waiting only once nothing else is left: other branches run on meanwhile', async () => {
      const { events, completed } = await record(sideBySide().stream('x'));
      expect(completed).toBe(true);
      expect(ofType(events, 'request.created').map((e) => e.superstep)).toEqual([2]);
      expect(ofType(events, 'output').map((e) => e.value)).toEqual(['hop1@2', 'hop2@3', 'hop3@4']);
      expect(ofType(events, 'run.waiting')).toHaveLength(1);
      expect(events.findIndex((e) => e.type === 'run.waiting')).toBeGreaterThan(
        events.findIndex((e) => e.type === 'superstep.completed' && e.superstep === 4),
      );
      const result = await sideBySide().run('x');
      expect(result).toMatchObject({ status: 'waiting', supersteps: 4, outputs: ['hop1@2', 'hop2@3', 'hop3@4'] });
    });

    it('an executor calling ctx.request without onResponse fails the run, saying to add onResponse', async () => {
      const asker = executor({
        id: 'asker',
        input: z.string(),
        handle: (_text, ctx) => {
          ctx.request({ question: 'ok?' });
        },
      });
      const error = await caught(() => new WorkflowBuilder({ name: 'no-handler', start: asker }).build().run('x'));
      expect(error).toBeInstanceOf(ExecutorError);
      expect(error).toMatchObject({ executorId: 'asker' });
      expect((error as Error).message).toMatch(/"asker"/);
      expect((error as Error).message).toMatch(/onResponse/);
    });
  });

  describe('answering on a start() handle: the run waits in memory', () => {
    it('respond(id, value) validates the answer and delivers it to onResponse in the next superstep; the run then completes', async () => {
      const seen: unknown[] = [];
      const { handle, events, done } = await startWaiting({ seen });
      const [request] = handle.pendingRequests as [PendingRequest];
      expect(request).toMatchObject({ executorId: 'approve', path: ['approve'], superstep: 2 });
      await turns();
      expect(done.done).toBe(false);

      await handle.respond(request.id, { approved: true, note: 'lovely' });
      const result = await handle.result;

      expect(result).toMatchObject({ status: 'completed', outputs: ['draft about tea: alice approved (lovely)'], pendingRequests: [] });
      expect(seen).toEqual([{ decision: { approved: true, note: 'lovely' }, request, superstep: 3 }]);
      expect(handle.pendingRequests).toEqual([]);
      expect(ofType(events, 'request.answered').map((e) => [e.request.id, e.response])).toEqual([[request.id, { approved: true, note: 'lovely' }]]);
      expect(events.at(-1)?.type).toBe('run.completed');
    });

    it('an answer given while a superstep runs is delivered in the superstep after it', async () => {
      const hold = deferred();
      const invoked: string[] = [];
      const handle = sideBySide((id) => {
        invoked.push(id);
        return id === 'hop2' ? hold.promise : undefined;
      }).start('x');
      await until(() => handle.pendingRequests.length === 1 && invoked.includes('hop2'));

      await handle.respond(handle.pendingRequests[0]?.id as string, 'yes'); // superstep 3 is still running
      hold.resolve();
      const result = await handle.result;

      expect(result.status).toBe('completed');
      expect(result.outputs).toEqual(['hop1@2', 'hop2@3', 'answer yes@4', 'hop3@4']);
    });

    it('delivers the parsed answer (schema defaults and transforms applied)', async () => {
      const seen: unknown[] = [];
      const asker = executor({
        id: 'asker',
        input: z.string(),
        response: z.object({ score: z.coerce.number(), by: z.string().default('anonymous') }),
        handle: (_text, ctx) => {
          ctx.request({ q: 'score?' });
        },
        onResponse: (answer, _request, ctx) => {
          seen.push(answer);
          ctx.output(answer.score + 1);
        },
      });
      const handle = new WorkflowBuilder({ name: 'parse', start: asker }).build().start('x');
      await until(() => handle.pendingRequests.length === 1);
      await handle.respond(handle.pendingRequests[0]?.id as string, { score: '41' });
      expect((await handle.result).outputs).toEqual([42]);
      expect(seen).toEqual([{ score: 41, by: 'anonymous' }]);
    });

    it('a per-request response schema (ctx.request(payload, { response })) validates the answer too', async () => {
      const asker = executor({
        id: 'asker',
        input: z.string(),
        handle: (_text, ctx) => {
          ctx.request({ q: 'yes or no?' }, { response: z.enum(['yes', 'no']) });
        },
        onResponse: (answer, _request, ctx) => ctx.output(answer),
      });
      const handle = new WorkflowBuilder({ name: 'per-request', start: asker }).build().start('x');
      await until(() => handle.pendingRequests.length === 1);
      const id = handle.pendingRequests[0]?.id as string;
      expectRequestError(await caught(() => handle.respond(id, 'maybe')), 'invalid_response');
      await handle.respond(id, 'yes');
      expect((await handle.result).outputs).toEqual(['yes']);
    });

    it('without a response schema, any answer is accepted and delivered as given', async () => {
      const answers: unknown[] = [];
      const open = executor({
        id: 'open',
        input: z.number(),
        handle: (count, ctx) => {
          for (let i = 0; i < count; i++) ctx.request({ i });
        },
        onResponse: (answer, request, ctx) => {
          answers.push(answer);
          ctx.output({ i: (request.payload as { i: number }).i, answer });
        },
      });
      const handle = new WorkflowBuilder({ name: 'open', start: open }).build().start(4);
      await until(() => handle.pendingRequests.length === 4);
      const ids = handle.pendingRequests.map((r) => r.id);
      const given = [42, 'text', null, { any: ['shape', { at: 1 }] }];
      for (const [index, id] of ids.entries()) await handle.respond(id, given[index]);
      const result = await handle.result;
      expect(answers.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
        given.slice().sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      expect(result.status).toBe('completed');
      expect(result.outputs).toHaveLength(4);
    });

    it('two pending requests answered one at a time: the run waits again after the first, then completes', async () => {
      const { handle, events } = await startWaiting({ reviewers: ['alice', 'bob'] });
      const [alice, bob] = handle.pendingRequests as [PendingRequest, PendingRequest];

      await handle.respond(bob.id, { approved: false });
      await until(() => ofType(events, 'run.waiting').length === 2);
      expect(handle.pendingRequests).toEqual([alice]);
      expect(ofType(events, 'run.waiting')[1]?.requests).toEqual([alice]);
      expect(ofType(events, 'output').map((e) => e.value)).toEqual(['draft about tea: bob rejected']);

      await handle.respond(alice.id, { approved: true });
      const result = await handle.result;
      expect(result.status).toBe('completed');
      expect(result.outputs).toEqual(['draft about tea: bob rejected', 'draft about tea: alice approved']);
    });
  });

  describe('a refused answer leaves the run unchanged', () => {
    it("unknown id → 'unknown_request', wrong shape → 'invalid_response'; the request stays pending and a right answer still works", async () => {
      const seen: unknown[] = [];
      const { handle, events, done } = await startWaiting({ seen });
      const [request] = handle.pendingRequests as [PendingRequest];
      const eventCount = events.length;

      const unknown = await caught(() => handle.respond('not-a-request', { approved: true }));
      expectRequestError(unknown, 'unknown_request');
      expect(unknown).toMatchObject({ requestId: 'not-a-request' });
      expect((unknown as Error).message).toContain(request.id);

      const wrong = await caught(() => handle.respond(request.id, { approved: 'yes' }));
      expectRequestError(wrong, 'invalid_response');
      expect(wrong).toMatchObject({ requestId: request.id, executorId: 'approve' });
      expect((wrong as RequestError).issues.length).toBeGreaterThan(0);
      expectRequestError(await caught(() => handle.respond(request.id, undefined)), 'invalid_response');

      await turns();
      expect(handle.pendingRequests).toEqual([request]);
      expect(events).toHaveLength(eventCount); // no request.answered, no superstep
      expect(seen).toEqual([]);
      expect(done.done).toBe(false);

      await handle.respond(request.id, { approved: true });
      expect(await handle.result).toMatchObject({ status: 'completed', outputs: ['draft about tea: alice approved'] });
      expect(seen).toHaveLength(1);
    });

    it("answering before anything is asked, twice, or after the run ended → 'nothing_pending'", async () => {
      const handle = reviewWorkflow().start('tea');
      expectRequestError(await caught(() => handle.respond('early', { approved: true })), 'nothing_pending');
      await until(() => handle.pendingRequests.length === 1);
      const id = handle.pendingRequests[0]?.id as string;
      await handle.respond(id, { approved: true });
      expectRequestError(await caught(() => handle.respond(id, { approved: false })), 'nothing_pending');
      const result = await handle.result;
      expect(result.outputs).toEqual(['draft about tea: alice approved']);
      expectRequestError(await caught(() => handle.respond(id, { approved: false })), 'nothing_pending');
    });
  });

  describe('requests survive checkpoint and resume, in another Workflow instance', () => {
    it('resume(id, { responses }) in a new instance validates the answer and delivers it to onResponse', async () => {
      const store = makeStore();
      const waiting = await reviewWorkflow().run('tea', { checkpoints: store });
      const [request] = waiting.pendingRequests as [PendingRequest];

      const seen: unknown[] = [];
      const resumed = await reviewWorkflow({ seen }).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [request.id]: { approved: true } },
      });

      expect(resumed).toMatchObject({ runId: waiting.runId, status: 'completed', outputs: ['draft about tea: alice approved'], pendingRequests: [] });
      expect(seen).toEqual([{ decision: { approved: true }, request, superstep: 3 }]);
      const latest = await loadCheckpoint(store, resumed.checkpointId as string);
      expect(latest.pendingRequests).toEqual([]);
      expect(latest.executorStates['approve']).toEqual({ asked: 1, answered: 1 });
    });

    it('resume without responses keeps waiting on the same requests', async () => {
      const store = makeStore();
      const waiting = await reviewWorkflow().run('tea', { checkpoints: store });
      const again = await reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store });
      expect(again).toMatchObject({ status: 'waiting', pendingRequests: waiting.pendingRequests });
      const done = await reviewWorkflow().resume(again.checkpointId as string, {
        checkpoints: store,
        responses: { [waiting.pendingRequests[0]?.id as string]: { approved: false, note: 'later' } },
      });
      expect(done.outputs).toEqual(['draft about tea: alice rejected (later)']);
    });

    it('a refused answer in resume writes nothing, and the same checkpoint can then be answered correctly', async () => {
      const store = makeStore();
      const waiting = await reviewWorkflow().run('tea', { checkpoints: store });
      const id = waiting.pendingRequests[0]?.id as string;
      const count = (await store.list(waiting.runId)).length;

      expectRequestError(
        await caught(() => reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [id]: { approved: 'yes' } } })),
        'invalid_response',
      );
      expectRequestError(
        await caught(() => reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store, responses: { nope: { approved: true } } })),
        'unknown_request',
      );
      // one good answer and one for an unknown id: refused as unknown whatever the order of the keys, nothing delivered
      expectRequestError(
        await caught(() =>
          reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store, responses: { nope: 1, [id]: { approved: true } } }),
        ),
        'unknown_request',
      );
      expectRequestError(
        await caught(() =>
          reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [id]: { approved: true }, nope: 1 } }),
        ),
        'unknown_request',
      );
      expect((await store.list(waiting.runId)).length).toBe(count);
      expect((await store.latest(waiting.runId))?.id).toBe(waiting.checkpointId);

      const resumed = await reviewWorkflow().resume(waiting.checkpointId as string, { checkpoints: store, responses: { [id]: { approved: true } } });
      expect(resumed).toMatchObject({ runId: waiting.runId, status: 'completed', outputs: ['draft about tea: alice approved'] });
    });

    it("answers to a checkpoint with nothing pending are refused with 'nothing_pending'", async () => {
      const store = makeStore();
      const waiting = await reviewWorkflow().run('tea', { checkpoints: store });
      const first = (await store.list(waiting.runId))[0];
      expectRequestError(
        await caught(() => reviewWorkflow().resume(first?.id as string, { checkpoints: store, responses: { anything: 1 } })),
        'nothing_pending',
      );
    });

    it('two pending requests answered one at a time across two resumes', async () => {
      const store = makeStore();
      const waiting = await reviewWorkflow({ reviewers: ['alice', 'bob'] }).run('tea', { checkpoints: store });
      const [alice, bob] = waiting.pendingRequests as [PendingRequest, PendingRequest];

      const half = await reviewWorkflow({ reviewers: ['alice', 'bob'] }).resume(waiting.checkpointId as string, {
        checkpoints: store,
        responses: { [alice.id]: { approved: true } },
      });
      expect(half).toMatchObject({ status: 'waiting', pendingRequests: [bob], outputs: ['draft about tea: alice approved'] });
      expect(half.checkpointId).not.toBe(waiting.checkpointId);
      expect((await loadCheckpoint(store, half.checkpointId as string)).pendingRequests).toEqual([bob]);

      const done = await reviewWorkflow({ reviewers: ['alice', 'bob'] }).resume(half.checkpointId as string, {
        checkpoints: store,
        responses: { [bob.id]: { approved: false } },
      });
      expect(done).toMatchObject({
        status: 'completed',
        pendingRequests: [],
        outputs: ['draft about tea: alice approved', 'draft about tea: bob rejected'],
      });
      expect(done.runId).toBe(waiting.runId);
    });

    it('an answer given on a handle is checkpointed before it is delivered, so resuming that checkpoint delivers it', async () => {
      const store = makeStore();
      const { handle } = await startWaiting({ checkpoints: store });
      const [request] = handle.pendingRequests as [PendingRequest];
      await handle.respond(request.id, { approved: true, note: 'yes' });
      const live = await handle.result;

      const checkpoints = await Promise.all((await store.list(handle.runId)).map((c) => loadCheckpoint(store, c.id)));
      const withAnswer = checkpoints.filter((c) => c.queue.some((m) => m.request !== undefined));
      expect(withAnswer).toHaveLength(1);
      const [queued] = withAnswer as [(typeof checkpoints)[number]];
      expect(queued.superstep).toBe(2);
      expect(queued.pendingRequests).toEqual([]);
      expect(queued.queue).toEqual([{ source: expect.any(String), target: 'approve', payload: { approved: true, note: 'yes' }, request }]);

      const seen: unknown[] = [];
      const resumed = await reviewWorkflow({ seen }).resume(queued.id, { checkpoints: store });
      expect(resumed.outputs).toEqual(live.outputs);
      expect(seen).toEqual([{ decision: { approved: true, note: 'yes' }, request, superstep: 3 }]);
    });

    it('an answer its schema turns into a non-JSON value (z.coerce.date()) still resumes: the checkpoint keeps what can be restored', async () => {
      const store = makeStore();
      const build = () => {
        const asker = executor({
          id: 'asker',
          input: z.string(),
          response: z.object({ due: z.coerce.date() }),
          handle: (_text, ctx) => {
            ctx.request({ q: 'when?' });
          },
          onResponse: (answer, _request, ctx) => ctx.output(answer.due.getUTCFullYear()),
        });
        return new WorkflowBuilder({ name: 'due', start: asker }).build();
      };
      const handle = build().start('x', { checkpoints: store });
      // Answer once the run waits: an answer taken earlier joins the next superstep without a checkpoint of its own.
      let waiting = false;
      handle.events$.subscribe((event) => (waiting ||= event.type === 'run.waiting'));
      await until(() => waiting);
      await handle.respond(handle.pendingRequests[0]?.id as string, { due: '2030-01-02' });
      expect((await handle.result).outputs).toEqual([2030]);

      const checkpoints = await Promise.all((await store.list(handle.runId)).map((c) => loadCheckpoint(store, c.id)));
      const queued = checkpoints.find((c) => c.queue.some((m) => m.request !== undefined));
      expect(queued).toBeDefined();
      const resumed = await build().resume(queued?.id as string, { checkpoints: store });
      expect(resumed.outputs).toEqual([2030]);
    });

    it('a run started with start() and a store can be answered from its checkpoint by another instance', async () => {
      const store = makeStore();
      const { handle } = await startWaiting({ checkpoints: store });
      const [request] = handle.pendingRequests as [PendingRequest];
      const latest = await store.latest(handle.runId);
      expect((await loadCheckpoint(store, latest?.id as string)).pendingRequests).toEqual([request]);

      const resumed = await reviewWorkflow().resume(latest?.id as string, { checkpoints: store, responses: { [request.id]: { approved: true } } });
      expect(resumed.outputs).toEqual(['draft about tea: alice approved']);
      handle.cancel();
      await caught(() => handle.result);
    });
  });
}
