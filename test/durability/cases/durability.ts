// When checkpoints are written: 'sync' (default) before the next superstep starts, 'async' overlapping it with at
// most one save in flight, 'exit' once when the run stops. A save that fails fails the run.
import { describe, expect, it } from 'vitest';
import { WeftError, loadCheckpoint, type CheckpointStore, type Durability, type RunResult } from 'weft';
import { InstrumentedStore, caught, causedBy, loadAll, ofType, record, settled, turns, until, type StoreFactory } from '../helpers.js';
import { countingWorkflow, ledgerInput, ledgerOutputs, ledgerWorkflow, reviewWorkflow } from '../workflows.js';

/** A counting workflow whose every invocation is recorded by superstep. */
function probed() {
  const invoked: number[] = [];
  const workflow = countingWorkflow({ probe: (_id, superstep) => void invoked.push(superstep) });
  return { invoked, workflow };
}

/** Every stored delta's parent is in the store, so each checkpoint loads. */
async function expectLoadable(store: CheckpointStore, runId: string): Promise<void> {
  for (const checkpoint of await store.list(runId)) {
    if (checkpoint.kind === 'delta') expect(await store.get(checkpoint.parentId as string), `parent of ${checkpoint.superstep}`).toBeDefined();
    await expect(loadCheckpoint(store, checkpoint.id)).resolves.toMatchObject({ superstep: checkpoint.superstep });
  }
}

export function durabilityCases(makeStore: StoreFactory): void {
  describe("durability 'sync' (the default)", () => {
    for (const durability of [undefined, 'sync'] as const) {
      it(`${durability === undefined ? 'by default' : "with 'sync'"}, the next superstep starts only once the save before it has completed`, async () => {
        const store = new InstrumentedStore(makeStore(), { hold: true });
        const { invoked, workflow } = probed();
        const run = workflow.run(3, { checkpoints: store, ...(durability === undefined ? {} : { durability }) });
        const done = settled(run);

        for (let k = 0; k < 3; k++) {
          await until(() => store.saves.length === k + 1);
          await turns();
          expect(invoked).toEqual([1, 2, 3].slice(0, k)); // superstep k + 1 waits for checkpoint k
          expect(store.saves).toHaveLength(k + 1);
          store.release(k);
          await until(() => invoked.length === k + 1);
        }
        await until(() => store.saves.length === 4);
        await turns();
        expect(done.done).toBe(false); // the run does not report before its last checkpoint is saved
        store.release(3);
        const result = await run;
        expect(store.maxInFlight).toBe(1);
        expect((await store.list(result.runId)).map((c) => c.superstep)).toEqual([0, 1, 2, 3]);
      });
    }

    it('a save that fails fails the run (with run.failed), and no later superstep runs', async () => {
      const failure = new Error('disk full');
      const store = new InstrumentedStore(makeStore(), { fail: (index) => (index === 2 ? failure : undefined) });
      const { invoked, workflow } = probed();

      const { events, error } = await record(workflow.stream(5, { checkpoints: store }));

      expect(causedBy(error, failure) || String(error).includes('disk full')).toBe(true);
      expect(ofType(events, 'run.failed')).toHaveLength(1);
      expect(invoked).toEqual([1, 2]);
      expect(ofType(events, 'checkpoint.saved').map((e) => e.superstep)).toEqual([0, 1]);
      expect((await store.list(events[0]?.runId as string)).map((c) => c.superstep)).toEqual([0, 1]);
    });

    it('a failing save of the first checkpoint fails the run before any handler runs', async () => {
      const failure = new Error('store offline');
      const store = new InstrumentedStore(makeStore(), { fail: () => failure });
      const { invoked, workflow } = probed();
      const error = await caught(() => workflow.run(3, { checkpoints: store }));
      expect(causedBy(error, failure) || String(error).includes('store offline')).toBe(true);
      expect(invoked).toEqual([]);
    });
  });

  describe("durability 'async'", () => {
    it('overlaps a save with the next superstep, never has more than one save in flight, and saves every checkpoint eventually', async () => {
      const store = new InstrumentedStore(makeStore(), { hold: true });
      const { invoked, workflow } = probed();
      const run = workflow.run(4, { checkpoints: store, durability: 'async' });
      const done = settled(run);

      // superstep 1 runs while checkpoint 0 is still being saved
      await until(() => store.saves.length === 1);
      await until(() => invoked.length >= 1);
      expect(store.saves[0]?.settled).toBe(false);

      // release saves one at a time, letting the engine run as far as it can in between
      for (let released = 0; released < 5; released++) {
        await until(() => store.saves.length > released);
        await turns();
        expect(store.inFlight).toBeLessThanOrEqual(1);
        if (released < 4) expect(done.done).toBe(false);
        store.release(released);
      }
      const result = await run;

      expect(store.maxInFlight).toBe(1);
      expect(invoked).toEqual([1, 2, 3, 4]);
      expect(store.saves.map((call) => call.record.superstep)).toEqual([0, 1, 2, 3, 4]);
      const stored = await store.list(result.runId);
      expect(stored.map((c) => c.superstep)).toEqual([0, 1, 2, 3, 4]);
      expect(result.checkpointId).toBe(stored.at(-1)?.id);
      await expectLoadable(store, result.runId);
    });

    it('resolves only after the last save has completed, with every checkpoint.saved before run.completed', async () => {
      const store = new InstrumentedStore(makeStore());
      const { events, error } = await record(ledgerWorkflow().stream(ledgerInput, { checkpoints: store, durability: 'async' }));
      expect(error).toBeUndefined();
      const saved = events.flatMap((e, index) => (e.type === 'checkpoint.saved' ? [index] : []));
      expect(saved).toHaveLength(6);
      expect(Math.max(...saved)).toBeLessThan(events.findIndex((e) => e.type === 'run.completed'));
      const loaded = await loadAll(store, events[0]?.runId as string);
      expect(loaded.at(-1)?.outputs).toEqual(ledgerOutputs);
    });

    it('a failing save fails the run, and leaves no delta in the store whose parent was never saved', async () => {
      const failure = new Error('disk full');
      const store = new InstrumentedStore(makeStore(), { hold: true });
      const { workflow } = probed();
      const run = workflow.run(4, { checkpoints: store, durability: 'async' });
      const outcome = run.then(
        (result): RunResult | Error => result,
        (error: unknown) => error as Error,
      );
      const done = settled(run);

      await until(() => store.saves.length === 1);
      store.release(0);
      await until(() => store.saves.length >= 2);
      await turns();
      store.reject(1, failure);
      // release whatever else the engine tries to save
      for (let i = 2; i < 6 && !done.done; i++) {
        await until(() => store.saves.length > i || done.done);
        if (store.saves.length > i) store.release(i);
      }
      const error = await outcome;

      expect(error).toBeInstanceOf(Error);
      expect(causedBy(error, failure) || String(error).includes('disk full')).toBe(true);
      const runId = store.saves[0]?.record.runId as string;
      await expectLoadable(store, runId);
    });

    it('after a handler fails, the saves in flight complete and the last checkpoint is the last good superstep', async () => {
      const store = new InstrumentedStore(makeStore());
      const workflow = countingWorkflow({ failAt: (superstep) => superstep === 3 });
      const { events, error } = await record(workflow.stream(5, { checkpoints: store, durability: 'async' }));
      expect(error).toBeInstanceOf(WeftError);
      const runId = events[0]?.runId as string;
      expect(store.unsettled).toEqual([]);
      expect((await store.list(runId)).map((c) => c.superstep)).toEqual([0, 1, 2]);
      expect(events.findIndex((e) => e.type === 'checkpoint.saved' && e.superstep === 2)).toBeLessThan(
        events.findIndex((e) => e.type === 'run.failed'),
      );
      const resumed = await countingWorkflow().resume((await store.latest(runId))?.id as string, { checkpoints: store });
      expect(resumed.outputs).toEqual((await countingWorkflow().run(5)).outputs);
    });

    it('the last save failing fails the run too', async () => {
      const failure = new Error('disk full at the end');
      const store = new InstrumentedStore(makeStore(), { fail: (_index, stored) => (stored.superstep === 3 ? failure : undefined) });
      const error = await caught(() => countingWorkflow().run(3, { checkpoints: store, durability: 'async' }));
      expect(causedBy(error, failure) || String(error).includes('disk full at the end')).toBe(true);
    });
  });

  describe("durability 'exit'", () => {
    it('saves exactly one full checkpoint when the run completes: the final state and every output', async () => {
      const store = new InstrumentedStore(makeStore());
      const { events, error } = await record(ledgerWorkflow().stream(ledgerInput, { checkpoints: store, durability: 'exit' }));
      expect(error).toBeUndefined();
      const runId = events[0]?.runId as string;

      const stored = await store.list(runId);
      expect(store.saves).toHaveLength(1);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ kind: 'full', superstep: 5, parentId: null });
      const saved = ofType(events, 'checkpoint.saved');
      expect(saved.map((e) => [e.checkpointId, e.kind])).toEqual([[stored[0]?.id, 'full']]);
      const checkpoint = await loadCheckpoint(store, stored[0]?.id as string);
      expect(checkpoint.outputs).toEqual(ledgerOutputs);
      expect(checkpoint.shared).toEqual({ total: 3, joined: { count: 3 } });
      expect(checkpoint.queue).toEqual([]);
      expect((await ledgerWorkflow().run(ledgerInput, { checkpoints: store, durability: 'exit' })).checkpointId).toBeDefined();
    });

    it('on failure saves one checkpoint of the last good superstep, from which a resume reproduces the uninterrupted outputs', async () => {
      const store = new InstrumentedStore(makeStore());
      const fired = { value: false };
      const workflow = ledgerWorkflow({ failOnce: { executorId: 'join', superstep: 4, fired } });
      const { events, error } = await record(workflow.stream(ledgerInput, { checkpoints: store, durability: 'exit' }));
      expect(error).toBeInstanceOf(WeftError);
      expect(fired.value).toBe(true);

      const stored = await store.list(events[0]?.runId as string);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ kind: 'full', superstep: 3 });
      const resumed = await ledgerWorkflow().resume(stored[0]?.id as string, { checkpoints: store });
      expect(resumed.outputs).toEqual(ledgerOutputs);
    });

    it('when the run stops waiting, the one checkpoint holds the pending request, and a resume answers it', async () => {
      const store = makeStore();
      const result = await reviewWorkflow().run('tea', { checkpoints: store, durability: 'exit' });
      expect(result.status).toBe('waiting');
      const stored = await store.list(result.runId);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.id).toBe(result.checkpointId);
      const checkpoint = await loadCheckpoint(store, stored[0]?.id as string);
      expect(checkpoint.pendingRequests.map((r) => r.id)).toEqual(result.pendingRequests.map((r) => r.id));

      const resumed = await reviewWorkflow().resume(checkpoint, {
        checkpoints: store,
        responses: { [result.pendingRequests[0]?.id as string]: { approved: true } },
      });
      expect(resumed).toMatchObject({ status: 'completed', outputs: ['draft about tea: alice approved'] });
    });

    it('a failing exit save fails the run, after one attempt (one checkpoint per run, never two)', async () => {
      const failure = new Error('disk full');
      const store = new InstrumentedStore(makeStore(), { fail: (index) => (index === 0 ? failure : undefined) });
      const error = await caught(() => countingWorkflow().run(3, { checkpoints: store, durability: 'exit' }));
      expect(causedBy(error, failure) || String(error).includes('disk full')).toBe(true);
      expect(store.saves).toHaveLength(1);
    });
  });

  it('refuses an unknown durability', async () => {
    await expect(async () => countingWorkflow().run(1, { checkpoints: makeStore(), durability: 'eventually' as Durability })).rejects.toThrow(
      /durability/,
    );
  });
}
