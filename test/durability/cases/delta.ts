// See docs/concepts/checkpoints.md — delta checkpoints: each holds only what changed since its parent (immer patches), a full
// snapshot every `fullCheckpointEvery`; a delta's size follows the change, not the state; any checkpoint loads whole.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction, loadCheckpoint, type StoredCheckpoint } from 'weft';
import type { CheckpointBody } from '../../../src/checkpoint/checkpoint.js';
import { loadAll, ofType, record, utf8Bytes, type StoreFactory } from '../helpers.js';
import { countingWorkflow, ledgerInput, ledgerOutputs, ledgerWorkflow } from '../workflows.js';

type Table = Record<string, unknown>;

/** What the uninterrupted run committed at the end of each superstep. */
type Recorded = Map<number, { readonly state: unknown; readonly table: unknown }>;

const STEPS = 10;

/**
 * `big` builds a `size`-key executor state and shared `table` in superstep 1, then changes one key of each per
 * superstep; along the way it also removes a key, grows an array and replaces a subtree, so every patch op shows.
 * `keysPerStep` changes that many keys per superstep instead of one.
 */
function bigStateWorkflow(size: number, options: { readonly recorded?: Recorded; readonly keysPerStep?: number } = {}) {
  const keysPerStep = options.keysPerStep ?? 1;
  const big = executor({
    id: 'big',
    input: z.number(),
    output: z.number(),
    initialState: {} as Table,
    handle: (n, ctx) => {
      if (n === 1) {
        const fresh = (): Table => Object.fromEntries(Array.from({ length: size }, (_, i) => [`key${i}`, i]));
        ctx.setState(() => ({ ...fresh(), list: [] as number[], nested: { a: 1 } }));
        ctx.shared.set('table', fresh());
      } else {
        ctx.setState((draft) => {
          for (let j = 0; j < keysPerStep; j++) draft[`key${n + j}`] = -n;
          if (n === 4) delete draft['key0'];
          if (n === 5) (draft['list'] as number[]).push(5, 55);
          if (n === 6) draft['nested'] = { b: [6] };
        });
        ctx.shared.update<Table>('table', (draft) => {
          draft[`key${n}`] = `changed ${n}`;
        });
      }
      options.recorded?.set(ctx.superstep, { state: ctx.state, table: ctx.shared.get('table') });
      if (n < STEPS) ctx.send(n + 1);
    },
  });
  return new WorkflowBuilder({ name: 'big-state', start: big }).addEdge(big, big).build();
}

const bytesOf = (stored: readonly StoredCheckpoint[]): number[] => stored.map((c) => utf8Bytes(c.data));

export function deltaCases(makeStore: StoreFactory): void {
  describe('delta checkpoints', () => {
    it('with a 10,000-key state changing one key per superstep, deltas stay under 1 KB while full snapshots hold everything', async () => {
      const store = makeStore();
      const { events, error } = await record(bigStateWorkflow(10_000).stream(1, { checkpoints: store, fullCheckpointEvery: 4 }));
      expect(error).toBeUndefined();
      const runId = events[0]?.runId as string;
      const stored = await store.list(runId);

      expect(stored.map((c) => c.kind)).toEqual(['full', 'delta', 'delta', 'delta', 'full', 'delta', 'delta', 'delta', 'full', 'delta', 'delta']);
      const bytes = bytesOf(stored);
      expect(ofType(events, 'checkpoint.saved').map((e) => e.bytes)).toEqual(bytes);
      stored.forEach((checkpoint, index) => {
        const size = bytes[index] as number;
        if (checkpoint.superstep === 0)
          expect(size).toBeLessThan(1024); // nothing written yet
        else if (checkpoint.superstep === 1)
          expect(size).toBeGreaterThan(200_000); // the change is the whole state
        else if (checkpoint.kind === 'delta') expect(size).toBeLessThan(1024);
        else expect(size).toBeGreaterThan(200_000);
      });
    });

    it('loading any checkpoint, full or delta, rebuilds the state the uninterrupted run had at that superstep', async () => {
      const recorded: Recorded = new Map();
      await bigStateWorkflow(10_000, { recorded }).run(1);
      const store = makeStore();
      const result = await bigStateWorkflow(10_000).run(1, { checkpoints: store, fullCheckpointEvery: 4 });

      const checkpoints = await loadAll(store, result.runId);
      expect(checkpoints).toHaveLength(STEPS + 1);
      expect(checkpoints[0]).toMatchObject({ executorStates: {}, shared: {} });
      for (const checkpoint of checkpoints.slice(1)) {
        const expected = recorded.get(checkpoint.superstep);
        expect(checkpoint.executorStates).toEqual({ big: expected?.state });
        expect(checkpoint.shared).toEqual({ table: expected?.table });
      }
      // spot-check the ops: a removed key stays removed, the array grew, the subtree was replaced
      const last = checkpoints.at(-1)?.executorStates['big'] as Table;
      expect('key0' in last).toBe(false);
      expect(last['list']).toEqual([5, 55]);
      expect(last['nested']).toEqual({ b: [6] });
      expect(last['key10']).toBe(-10);
    });

    it('a delta is as big for a 100-key state as for a 10,000-key one: its size follows the change, not the state', async () => {
      const small = makeStore();
      const large = makeStore();
      const smallRun = await bigStateWorkflow(100).run(1, { checkpoints: small, fullCheckpointEvery: 100 });
      const largeRun = await bigStateWorkflow(10_000).run(1, { checkpoints: large, fullCheckpointEvery: 100 });

      const smallDeltas = bytesOf((await small.list(smallRun.runId)).slice(2));
      const largeDeltas = bytesOf((await large.list(largeRun.runId)).slice(2));
      expect(smallDeltas).toHaveLength(STEPS - 1);
      expect(largeDeltas).toEqual(smallDeltas);
    });

    it('a delta grows with the size of the change', async () => {
      const one = makeStore();
      const many = makeStore();
      const oneRun = await bigStateWorkflow(1_000).run(1, { checkpoints: one, fullCheckpointEvery: 100 });
      const manyRun = await bigStateWorkflow(1_000, { keysPerStep: 200 }).run(1, { checkpoints: many, fullCheckpointEvery: 100 });

      const oneBytes = bytesOf(await one.list(oneRun.runId))[3] as number;
      const manyBytes = bytesOf(await many.list(manyRun.runId))[3] as number;
      // each changed key is one patch of a few dozen bytes
      expect(manyBytes - oneBytes).toBeGreaterThan(199 * 20);
      expect(manyBytes).toBeLessThan(200 * 200);
    });

    it('writes a full snapshot every 50 checkpoints by default, and every checkpoint with fullCheckpointEvery: 1', async () => {
      const store = makeStore();
      const result = await countingWorkflow().run(55, { checkpoints: store });
      const kinds = (await store.list(result.runId)).map((c) => c.kind);
      expect(kinds).toHaveLength(56);
      expect(kinds.flatMap((kind, index) => (kind === 'full' ? [index] : []))).toEqual([0, 50]);

      const everyOne = await countingWorkflow().run(5, { checkpoints: store, fullCheckpointEvery: 1 });
      expect((await store.list(everyOne.runId)).map((c) => c.kind)).toEqual(['full', 'full', 'full', 'full', 'full', 'full']);
    });

    it('refuses a fullCheckpointEvery that is not an integer ≥ 1', async () => {
      for (const fullCheckpointEvery of [0, -1, 1.5, NaN]) {
        await expect(async () => countingWorkflow().run(2, { checkpoints: makeStore(), fullCheckpointEvery })).rejects.toThrow(/fullCheckpointEvery/);
      }
    });

    it('a delta stores only the outputs added since its parent; loading it returns every output so far', async () => {
      const store = makeStore();
      const result = await ledgerWorkflow().run(ledgerInput, { checkpoints: store, fullCheckpointEvery: 3 });
      const stored = await store.list(result.runId);
      expect(stored.map((c) => c.kind)).toEqual(['full', 'delta', 'delta', 'full', 'delta', 'delta']);

      const bodies = stored.map((c) => JSON.parse(c.data) as CheckpointBody);
      expect(bodies.map((b) => b.outputs)).toEqual([[], ['split 3'], [], ['split 3'], ledgerOutputs.slice(1, 4), ledgerOutputs.slice(4)]);
      const loaded = await loadAll(store, result.runId);
      expect(loaded.map((c) => c.outputs)).toEqual([
        [],
        ledgerOutputs.slice(0, 1),
        ledgerOutputs.slice(0, 1),
        ledgerOutputs.slice(0, 1),
        ledgerOutputs.slice(0, 4),
        ledgerOutputs,
      ]);
    });

    it("an executor's first write carries its initial state into the delta, so the rebuilt state starts from it", async () => {
      const store = makeStore();
      const start = fromFunction('start', (n: number) => n, { input: z.number(), output: z.number() });
      const late = executor({
        id: 'late',
        input: z.number(),
        initialState: { base: [1, 2, 3], count: 0 },
        handle: (n, ctx) => {
          ctx.setState((draft) => {
            draft.count += n;
          });
        },
      });
      const workflow = new WorkflowBuilder({ name: 'late', start }).addEdge(start, late).build();
      const result = await workflow.run(7, { checkpoints: store });
      const stored = await store.list(result.runId);
      expect(stored.map((c) => c.kind)).toEqual(['full', 'delta', 'delta']);
      expect((await loadCheckpoint(store, stored[2]?.id as string)).executorStates).toEqual({ late: { base: [1, 2, 3], count: 7 } });
    });

    it('concurrent invocations of one executor and several executors updating one shared key rebuild to what the run committed', async () => {
      const store = makeStore();
      const fan = executor({
        id: 'fan',
        input: z.number(),
        output: z.number(),
        handle: (count, ctx) => {
          for (let i = 1; i <= count; i++) ctx.send(i);
        },
      });
      const accumulate = (id: string) =>
        executor({
          id,
          input: z.number(),
          output: z.number(),
          concurrency: 3,
          initialState: { items: [] as number[] },
          handle: async (n, ctx) => {
            // finish in a different order than started, without timers
            for (let i = 0; i < 10 - n; i++) await Promise.resolve();
            ctx.setState((draft) => {
              draft.items.push(n);
            });
            ctx.shared.update<number[]>('log', (draft) => [...(draft ?? []), n * (id === 'left' ? 1 : -1)]);
          },
        });
      const left = accumulate('left');
      const right = accumulate('right');
      const workflow = new WorkflowBuilder({ name: 'concurrent', start: fan }).addFanOut(fan, [left, right]).build();

      const result = await workflow.run(6, { checkpoints: store });
      const last = await loadCheckpoint(store, result.checkpointId as string);
      expect(last.shared).toEqual(result.shared);
      expect((last.shared['log'] as number[]).slice().sort((a, b) => a - b)).toEqual([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6]);
      for (const id of ['left', 'right'])
        expect(((last.executorStates[id] as { items: number[] }).items ?? []).slice().sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await store.list(result.runId)).map((c) => c.kind)).toEqual(['full', 'delta', 'delta']);
    });
  });
}
