// See docs/concepts/checkpoints.md — a checkpoint before the first superstep and after each one, in a versioned plain-JSON body
// holding queued messages, executor states, shared state, fan-in buffers, pending requests and outputs so far.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHECKPOINT_VERSION, WorkflowBuilder, executor, loadCheckpoint } from 'weft';
// The body's schema is internal (a zod type in weft's API would change with every zod release); the tests read it directly.
import { checkpointBodySchema, type CheckpointBody } from '../../../src/checkpoint/checkpoint.js';
import { isPlainJson, loadAll, ofType, record, utf8Bytes, type StoreFactory } from '../helpers.js';
import { countingWorkflow, ledgerInput, ledgerOutputs, ledgerWorkflow, reviewWorkflow } from '../workflows.js';

export function checkpointCases(makeStore: StoreFactory): void {
  describe('one checkpoint before the first superstep and one after each', () => {
    it('saves supersteps + 1 checkpoints, numbered 0..n, each the parent of the next, all of the same run and workflow', async () => {
      const store = makeStore();
      const workflow = countingWorkflow();

      const result = await workflow.run(4, { checkpoints: store });

      expect(result.supersteps).toBe(4);
      const stored = await store.list(result.runId);
      expect(stored).toHaveLength(result.supersteps + 1);
      expect(stored.map((c) => c.superstep)).toEqual([0, 1, 2, 3, 4]);
      expect(stored.map((c) => c.parentId)).toEqual([null, ...stored.slice(0, -1).map((c) => c.id)]);
      expect(new Set(stored.map((c) => c.id)).size).toBe(stored.length);
      for (const checkpoint of stored) expect(checkpoint).toMatchObject({ runId: result.runId, workflow: 'counting' });
      expect(stored[0]?.kind).toBe('full');
      expect(result.checkpointId).toBe(stored.at(-1)?.id);
      expect((await store.latest(result.runId))?.id).toBe(result.checkpointId);
    });

    it('emits checkpoint.saved for each, with the id, kind and UTF-8 size in bytes of what the store holds, in store order', async () => {
      const store = makeStore();
      const writer = executor({
        id: 'writer',
        input: z.number(),
        output: z.number(),
        initialState: { notes: [] as string[] },
        handle: (n, ctx) => {
          // multi-byte text, so a size counted in UTF-16 code units would differ
          ctx.setState((draft) => {
            draft.notes.push(`Grüße ${n} 世界 🧵`);
          });
          ctx.output(`ü${n}`);
          if (n < 3) ctx.send(n + 1);
        },
      });
      const workflow = new WorkflowBuilder({ name: 'sizes', start: writer }).addEdge(writer, writer).build();

      const { events, error } = await record(workflow.stream(1, { checkpoints: store, fullCheckpointEvery: 2 }));

      expect(error).toBeUndefined();
      const saved = ofType(events, 'checkpoint.saved');
      const stored = await store.list(saved[0]?.runId as string);
      expect(saved.map((e) => e.checkpointId)).toEqual(stored.map((c) => c.id));
      expect(saved.map((e) => e.kind)).toEqual(stored.map((c) => c.kind));
      expect(saved.map((e) => e.kind)).toEqual(['full', 'delta', 'full', 'delta']);
      expect(saved.map((e) => e.bytes)).toEqual(stored.map((c) => utf8Bytes(c.data)));
      expect(stored.some((c) => utf8Bytes(c.data) !== c.data.length)).toBe(true);
      expect(saved.map((e) => e.superstep)).toEqual([0, 1, 2, 3]);
      // sync: each is saved after its superstep completes and before the next starts
      const order = events
        .filter((e) => e.type === 'superstep.started' || e.type === 'superstep.completed' || e.type === 'checkpoint.saved')
        .map((e) => `${e.type}@${e.superstep}`);
      expect(order).toEqual([
        'checkpoint.saved@0',
        'superstep.started@1',
        'superstep.completed@1',
        'checkpoint.saved@1',
        'superstep.started@2',
        'superstep.completed@2',
        'checkpoint.saved@2',
        'superstep.started@3',
        'superstep.completed@3',
        'checkpoint.saved@3',
      ]);
      const completed = events.findIndex((e) => e.type === 'run.completed');
      expect(events.findIndex((e) => e.type === 'checkpoint.saved' && e.superstep === 3)).toBeLessThan(completed);
    });

    it('saves nothing and reports no checkpoint id without a store', async () => {
      const { events } = await record(countingWorkflow().stream(3));
      expect(ofType(events, 'checkpoint.saved')).toEqual([]);
      expect((await countingWorkflow().run(3)).checkpointId).toBeUndefined();
    });
  });

  describe('the body', () => {
    it('is JSON that validates against checkpointBodySchema, at the current version, with the graph signature', async () => {
      const store = makeStore();
      const workflow = ledgerWorkflow();
      const result = await workflow.run(ledgerInput, { checkpoints: store, fullCheckpointEvery: 2 });
      const stored = await store.list(result.runId);
      expect(stored.map((c) => c.kind)).toEqual(['full', 'delta', 'full', 'delta', 'full', 'delta']);

      for (const checkpoint of stored) {
        const body = checkpointBodySchema.parse(JSON.parse(checkpoint.data)) as CheckpointBody;
        expect(body.version).toBe(CHECKPOINT_VERSION);
        expect(body.signature).toBe(workflow.signature);
        expect(body.superstep).toBe(checkpoint.superstep);
        if (checkpoint.kind === 'full') {
          expect(body.state).toBeDefined();
          expect(body.patches).toBeUndefined();
        } else {
          expect(body.patches).toBeDefined();
          expect(body.state).toBeUndefined();
        }
      }
    });

    it('holds the queued messages, executor states, shared state and outputs so far at each boundary', async () => {
      const store = makeStore();
      const result = await ledgerWorkflow().run(ledgerInput, { checkpoints: store, fullCheckpointEvery: 2 });
      expect(result.outputs).toEqual(ledgerOutputs);
      const checkpoints = await loadAll(store, result.runId);

      const queue = checkpoints.map((c) => c.queue.map((m) => `${m.source}->${m.target}`));
      expect(queue).toEqual([
        ['(input)->split'],
        ['split->upper', 'split->length', 'split->upper', 'split->length', 'split->upper', 'split->length'],
        ['length->double', 'length->double', 'length->double'],
        ['upper, double->join', 'upper, double->join', 'upper, double->join'],
        ['join->summary'],
        [],
      ]);
      expect(checkpoints[0]?.queue[0]?.payload).toEqual(ledgerInput);
      expect(checkpoints[3]?.queue.map((m) => m.payload)).toEqual([
        ['ANT#1', 6],
        ['BEE#2', 6],
        ['CICADA#3', 12],
      ]);
      expect(checkpoints.map((c) => c.outputs.length)).toEqual([0, 1, 1, 1, 4, 5]);
      expect(checkpoints[5]?.outputs).toEqual(ledgerOutputs);
      expect(checkpoints[2]?.executorStates).toEqual({ upper: { seen: ['ant', 'bee', 'cicada'] } });
      expect(checkpoints[4]?.executorStates).toEqual({
        upper: { seen: ['ant', 'bee', 'cicada'] },
        join: { labels: ['ANT#1:6', 'BEE#2:6', 'CICADA#3:12'] },
      });
      expect(checkpoints.map((c) => c.shared)).toEqual([
        {},
        { total: 3 },
        { total: 3 },
        { total: 3 },
        { total: 3, joined: { count: 3 } },
        { total: 3, joined: { count: 3 } },
      ]);
      for (const checkpoint of checkpoints) expect(isPlainJson(JSON.parse(JSON.stringify(checkpoint)))).toBe(true);
    });

    it('holds the fan-in buffers: messages from the sources that have sent, waiting for the others', async () => {
      const store = makeStore();
      const result = await ledgerWorkflow().run(ledgerInput, { checkpoints: store });
      const checkpoints = await loadAll(store, result.runId);

      // after superstep 2, upper has sent its three messages; double has not sent yet
      const buffers = Object.values(checkpoints[2]?.fanIn ?? {});
      expect(buffers).toEqual([[['ANT#1', 'BEE#2', 'CICADA#3'], []]]);
      const body = JSON.parse((await store.list(result.runId))[2]?.data ?? '{}') as CheckpointBody;
      expect(Object.values(body.fanIn)).toEqual([[['ANT#1', 'BEE#2', 'CICADA#3'], []]]);
      // once every source has sent, the batches are queued and the buffer is empty again
      expect(Object.values(checkpoints[3]?.fanIn ?? {}).flat(2)).toEqual([]);
      expect(Object.values(checkpoints[1]?.fanIn ?? {}).flat(2)).toEqual([]);
    });

    it('holds the pending requests: id, asking executor, path, payload and superstep', async () => {
      const store = makeStore();
      const result = await reviewWorkflow({ reviewers: ['alice', 'bob'] }).run('tea', { checkpoints: store });
      expect(result.status).toBe('waiting');
      const [alice, bob] = result.pendingRequests;

      const latest = await loadCheckpoint(store, result.checkpointId as string);
      expect(latest.pendingRequests).toEqual([
        { id: alice?.id, executorId: 'approve', path: ['approve'], payload: { text: 'draft about tea', reviewer: 'alice' }, superstep: 2 },
        { id: bob?.id, executorId: 'approve', path: ['approve'], payload: { text: 'draft about tea', reviewer: 'bob' }, superstep: 2 },
      ]);
      const body = JSON.parse((await store.get(result.checkpointId as string))?.data ?? '{}') as CheckpointBody;
      expect(body.pendingRequests.map((r) => r.id)).toEqual([alice?.id, bob?.id]);
      // the checkpoints before the request was asked have none
      const all = await loadAll(store, result.runId);
      expect(all.map((c) => c.pendingRequests.length)).toEqual([0, 0, 2]);
    });
  });
}
