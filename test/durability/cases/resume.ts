// See docs/concepts/checkpoints.md — resuming from any checkpoint reproduces the uninterrupted run; the latest continues the run,
// an older one forks a new run; a checkpoint that cannot be used is refused with a CheckpointError saying why.
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  WorkflowBuilder,
  executor,
  fromFunction,
  isWeftError,
  loadCheckpoint,
  type StoredCheckpoint,
} from 'weft';
import { z } from 'zod';
import { caught, loadAll, type StoreFactory } from '../helpers.js';
import { countingWorkflow, ledgerInput, ledgerOutputs, ledgerWorkflow } from '../workflows.js';

/** Checks a refusal: a CheckpointError with this reason, naming the checkpoint. */
function expectRefused(error: unknown, reason: CheckpointError['reason'], checkpointId?: string): void {
  expect(error).toBeInstanceOf(CheckpointError);
  expect(isWeftError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'checkpoint_invalid', reason });
  if (checkpointId !== undefined) {
    expect(error).toMatchObject({ checkpointId });
    expect((error as Error).message).toContain(checkpointId);
  }
}

/** A completed ledger run with deltas and fulls mixed, and its stored checkpoints. */
async function ledgerRun(makeStore: StoreFactory) {
  const store = makeStore();
  const result = await ledgerWorkflow().run(ledgerInput, { checkpoints: store, fullCheckpointEvery: 3 });
  const stored = await store.list(result.runId);
  return { store, result, stored };
}

/** A copy of `store`'s checkpoints of `runId` into a fresh store, except those `drop` picks. */
async function copyWithout(
  makeStore: StoreFactory,
  from: { list(runId: string): Promise<readonly StoredCheckpoint[]> },
  runId: string,
  drop: (checkpoint: StoredCheckpoint) => boolean,
) {
  const copy = makeStore();
  for (const checkpoint of await from.list(runId)) if (!drop(checkpoint)) await copy.save(checkpoint);
  return copy;
}

export function resumeCases(makeStore: StoreFactory): void {
  describe('resume reproduces the uninterrupted run', () => {
    it('from every checkpoint, 0 and the last included, in a new Workflow instance: the same outputs in the same order', async () => {
      const { store, result, stored } = await ledgerRun(makeStore);
      expect(result.outputs).toEqual(ledgerOutputs);
      expect(stored.map((c) => c.kind)).toEqual(['full', 'delta', 'delta', 'full', 'delta', 'delta']);

      for (const checkpoint of stored) {
        const resumed = await ledgerWorkflow().resume(checkpoint.id, { checkpoints: store });
        expect(resumed.status, `from superstep ${checkpoint.superstep}`).toBe('completed');
        expect(resumed.outputs, `from superstep ${checkpoint.superstep}`).toEqual(result.outputs);
        expect(resumed.supersteps).toBe(result.supersteps);
        expect(resumed.shared).toEqual(result.shared);
      }
    });

    it('from a loaded Checkpoint object as well as from its id, even without a store', async () => {
      const { store, stored, result } = await ledgerRun(makeStore);
      for (const checkpoint of stored) {
        const loaded = await loadCheckpoint(store, checkpoint.id);
        const resumed = await ledgerWorkflow().resume(loaded);
        expect(resumed.outputs).toEqual(result.outputs);
      }
    });

    it('from checkpoint 0 of a run whose start schema transforms the input into a non-JSON value (z.coerce.date())', async () => {
      const start = executor({ id: 'start', input: z.coerce.date(), output: z.number(), handle: (date, ctx) => ctx.send(date.getUTCFullYear()) });
      const sink = executor({ id: 'sink', input: z.number(), handle: (year, ctx) => ctx.output(year) });
      const build = () => new WorkflowBuilder({ name: 'dated-input', start }).addEdge(start, sink).build();
      const store = makeStore();

      // The seed a checkpoint holds must be what was given (and parsed again) or be refused up front; never the parsed Date.
      const outcome = await build()
        .run('2024-05-06' as unknown as Date, { checkpoints: store })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (outcome instanceof Error) {
        expect(outcome.message).toMatch(/input/i);
        return;
      }
      expect(outcome.outputs).toEqual([2024]);
      for (const checkpoint of await store.list(outcome.runId)) {
        const resumed = await build().resume(checkpoint.id, { checkpoints: store });
        expect(resumed.outputs, `from superstep ${checkpoint.superstep}`).toEqual([2024]);
      }
    });

    it('after a failure: the last checkpoint is the last good superstep, and resuming it finishes the run as if nothing happened', async () => {
      const store = makeStore();
      const fired = { value: false };
      const error = await caught(() =>
        ledgerWorkflow({ failOnce: { executorId: 'double', superstep: 3, fired } }).run(ledgerInput, { checkpoints: store, runId: 'crashed' }),
      );
      expect(isWeftError(error)).toBe(true);
      const latest = await store.latest('crashed');
      expect(latest?.superstep).toBe(2);

      const resumed = await ledgerWorkflow().resume(latest?.id as string, { checkpoints: store });
      expect(resumed.outputs).toEqual(ledgerOutputs);
    });
  });

  describe('lineage: continue or fork', () => {
    it("resuming a run's latest checkpoint continues the same runId; the new checkpoints follow it", async () => {
      const store = makeStore();
      await caught(() => ledgerWorkflow({ failOnce: { executorId: 'join', superstep: 4 } }).run(ledgerInput, { checkpoints: store, runId: 'run-1' }));
      const before = await store.list('run-1');
      expect(before.map((c) => c.superstep)).toEqual([0, 1, 2, 3]);
      const latest = before.at(-1) as StoredCheckpoint;

      const resumed = await ledgerWorkflow().resume(latest.id, { checkpoints: store });

      expect(resumed.runId).toBe('run-1');
      const after = await store.list('run-1');
      const added = after.filter((c) => !before.some((b) => b.id === c.id));
      expect(added.map((c) => c.superstep)).toEqual([3, 4, 5]);
      expect(added[0]?.parentId).toBe(latest.id);
      expect(added.slice(1).map((c) => c.parentId)).toEqual(added.slice(0, -1).map((c) => c.id));
      expect(resumed.checkpointId).toBe(added.at(-1)?.id);
      expect((await store.latest('run-1'))?.id).toBe(resumed.checkpointId);
      expect((await loadCheckpoint(store, resumed.checkpointId as string)).outputs).toEqual(ledgerOutputs);
    });

    it('resuming the final checkpoint of a completed run continues it and completes at once with its outputs', async () => {
      const { store, result } = await ledgerRun(makeStore);
      const resumed = await ledgerWorkflow().resume(result.checkpointId as string, { checkpoints: store });
      expect(resumed).toMatchObject({ runId: result.runId, status: 'completed', outputs: ledgerOutputs, supersteps: result.supersteps });
    });

    it('resuming an older checkpoint forks a new runId whose first checkpoint has the resumed one as parent; the original run is untouched', async () => {
      const { store, result, stored } = await ledgerRun(makeStore);
      const older = stored[2] as StoredCheckpoint; // a delta

      const fork = await ledgerWorkflow().resume(older.id, { checkpoints: store });
      const again = await ledgerWorkflow().resume(older.id, { checkpoints: store });

      expect(fork.runId).not.toBe(result.runId);
      expect(again.runId).not.toBe(result.runId);
      expect(again.runId).not.toBe(fork.runId);
      const forked = await store.list(fork.runId);
      expect(forked[0]).toMatchObject({ parentId: older.id, superstep: older.superstep });
      expect(forked.map((c) => c.superstep)).toEqual([2, 3, 4, 5]);
      expect(forked.slice(1).map((c) => c.parentId)).toEqual(forked.slice(0, -1).map((c) => c.id));
      expect((await loadAll(store, fork.runId)).at(-1)?.outputs).toEqual(ledgerOutputs);
      expect((await store.list(result.runId)).map((c) => c.id)).toEqual(stored.map((c) => c.id));
      // a fork of a fork, from its first checkpoint, forks again
      const grandchild = await ledgerWorkflow().resume(forked[0]?.id as string, { checkpoints: store });
      expect(grandchild.runId).not.toBe(fork.runId);
      expect((await store.list(grandchild.runId))[0]?.parentId).toBe(forked[0]?.id);
      expect(grandchild.outputs).toEqual(ledgerOutputs);
    });

    it('options.runId names the continued run', async () => {
      const { store, stored } = await ledgerRun(makeStore);
      const resumed = await ledgerWorkflow().resume(stored[1]?.id as string, { checkpoints: store, runId: 'chosen' });
      expect(resumed.runId).toBe('chosen');
      expect((await store.list('chosen'))[0]?.parentId).toBe(stored[1]?.id);
    });
  });

  describe('refusals: a CheckpointError saying which check failed, and nothing written', () => {
    it("'signature_mismatch' for a checkpoint taken on a different graph", async () => {
      const { store, result, stored } = await ledgerRun(makeStore);
      const other = new WorkflowBuilder({
        name: 'ledger',
        start: fromFunction('split', (items: string[]) => items.length, { input: z.array(z.string()) }),
      }).build();
      expect(other.signature).not.toBe(ledgerWorkflow().signature);

      const error = await caught(() => other.resume(stored[1]?.id as string, { checkpoints: store }));
      expectRefused(error, 'signature_mismatch', stored[1]?.id);
      expect((error as Error).message).toContain(ledgerWorkflow().signature);
      expect((error as Error).message).toContain(other.signature);
      expect((await store.list(result.runId)).length).toBe(stored.length);
    });

    it("'future_version' for a checkpoint written by a newer weft (stored data edited to version 999)", async () => {
      const { store, result, stored } = await ledgerRun(makeStore);
      const target = stored[3] as StoredCheckpoint; // a full one, which also bases the deltas after it
      const body = JSON.parse(target.data) as Record<string, unknown>;
      await store.save({ ...target, data: JSON.stringify({ ...body, version: 999, somethingNew: true }) });

      const error = await caught(() => ledgerWorkflow().resume(target.id, { checkpoints: store }));
      expectRefused(error, 'future_version', target.id);
      expect((error as Error).message).toContain('999');
      expect((error as Error).message).toContain(String(CHECKPOINT_VERSION));
      // a delta resting on it cannot be rebuilt by this weft either
      expectRefused(await caught(() => ledgerWorkflow().resume(stored[4]?.id as string, { checkpoints: store })), 'future_version', target.id);
      // and a Checkpoint object claiming a newer version
      const loaded = await loadCheckpoint(store, stored[1]?.id as string);
      expectRefused(await caught(() => ledgerWorkflow().resume({ ...loaded, version: 999 })), 'future_version', loaded.id);
      expect((await store.list(result.runId)).length).toBe(stored.length);
    });

    it("'not_found' for an id the store does not hold", async () => {
      const store = makeStore();
      const error = await caught(() => ledgerWorkflow().resume('no-such-checkpoint', { checkpoints: store }));
      expectRefused(error, 'not_found', 'no-such-checkpoint');
    });

    it("'no_store' for an id without a store to load it from", async () => {
      const error = await caught(() => ledgerWorkflow().resume('some-id'));
      expectRefused(error, 'no_store', 'some-id');
    });

    it("'corrupt' for data that is not JSON, or JSON that is not a checkpoint body", async () => {
      const { store, stored } = await ledgerRun(makeStore);
      const [first, second, third] = stored as [StoredCheckpoint, StoredCheckpoint, StoredCheckpoint];
      await store.save({ ...first, data: '{"version": 1, "signature": tru' });
      await store.save({ ...second, data: JSON.stringify({ version: 1, signature: 'x' }) });
      const body = JSON.parse(third.data) as Record<string, unknown>;
      await store.save({ ...third, data: JSON.stringify({ ...body, queue: 'not a list' }) });

      for (const checkpoint of [first, second, third]) {
        const error = await caught(() => ledgerWorkflow().resume(checkpoint.id, { checkpoints: store }));
        expectRefused(error, 'corrupt', checkpoint.id);
      }
      expect(String(await caught(() => loadCheckpoint(store, third.id)))).toContain('queue');
    });

    it("'corrupt' for a delta whose patches do not apply to its parent's state", async () => {
      const { store, stored } = await ledgerRun(makeStore);
      const delta = stored[2] as StoredCheckpoint;
      expect(delta.kind).toBe('delta');
      const body = JSON.parse(delta.data) as Record<string, unknown>;
      await store.save({
        ...delta,
        data: JSON.stringify({ ...body, patches: [{ op: 'replace', path: ['executorStates', 'missing', 'deep', 'x'], value: 1 }] }),
      });

      const error = await caught(() => ledgerWorkflow().resume(delta.id, { checkpoints: store }));
      expectRefused(error, 'corrupt', delta.id);
    });

    it("a delta chain that loops back on itself is refused ('corrupt' or 'broken_chain'), never followed forever", async () => {
      const { store, stored } = await ledgerRun(makeStore);
      const [, first, second] = stored as [StoredCheckpoint, StoredCheckpoint, StoredCheckpoint];
      await store.save({ ...first, parentId: second.id }); // 1 → 2 → 1 → …
      let gets = 0;
      const guarded = {
        get: (id: string) => {
          if (++gets > 1_000) throw new Error('loadCheckpoint followed the parent chain more than 1,000 times');
          return store.get(id);
        },
        save: store.save.bind(store),
        list: store.list.bind(store),
        latest: store.latest.bind(store),
        deleteRun: store.deleteRun.bind(store),
      };

      const error = await caught(() => loadCheckpoint(guarded, second.id));
      expect(error).toBeInstanceOf(CheckpointError);
      expect(['corrupt', 'broken_chain']).toContain((error as CheckpointError).reason);
    });

    it("'broken_chain' for a delta whose parent is gone", async () => {
      const { store, result, stored } = await ledgerRun(makeStore);
      const [, delta1, delta2] = stored as [StoredCheckpoint, StoredCheckpoint, StoredCheckpoint];
      expect(delta2.kind).toBe('delta');
      const missingParent = await copyWithout(makeStore, store, result.runId, (c) => c.id === delta1.id);

      const error = await caught(() => ledgerWorkflow().resume(delta2.id, { checkpoints: missingParent }));
      expectRefused(error, 'broken_chain', delta2.id);
      expect((error as Error).message).toContain(delta1.id);
      // a delta further down the chain names the link that is missing
      const missingBase = await copyWithout(makeStore, store, result.runId, (c) => c.superstep === 0);
      expectRefused(await caught(() => loadCheckpoint(missingBase, delta2.id)), 'broken_chain', delta1.id);
      // the full checkpoints need no parent
      await expect(ledgerWorkflow().resume(stored[3]?.id as string, { checkpoints: missingBase })).resolves.toMatchObject({ outputs: ledgerOutputs });
    });
  });

  it('resuming never changes the checkpoints it started from', async () => {
    const store = makeStore();
    const first = await countingWorkflow().run(3, { checkpoints: store });
    const before = await store.list(first.runId);
    for (const checkpoint of before) await countingWorkflow().resume(checkpoint.id, { checkpoints: store });
    for (const checkpoint of before) expect(await store.get(checkpoint.id)).toEqual(checkpoint);
  });
}
