import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointStore, StoredCheckpoint, StoredInvocation } from '../index.js';

/** How the contract suite makes, reopens and cleans up the store under test. */
export interface CheckpointStoreFactory<TStore extends CheckpointStore = CheckpointStore> {
  /** A fresh, empty store; called before every test. */
  create(): Promise<TStore> | TStore;
  /**
   * Closes `store` and opens a new one over the same storage, as a restarted process would.
   * Durable stores provide it; without it the durability cases are not registered (an in-memory store has none to pass).
   */
  reopen?(store: TStore): Promise<TStore> | TStore;
  /** Releases the store (and its storage) after every test; receives the reopened store if a test reopened it. */
  dispose?(store: TStore): Promise<void> | void;
}

let sequence = 0;

/** A complete record with distinct values in every field; `fields` override them. */
function checkpoint(fields: Partial<StoredCheckpoint> = {}): StoredCheckpoint {
  sequence += 1;
  return {
    id: `checkpoint-${sequence}`,
    runId: 'run-a',
    parentId: null,
    workflow: 'contract',
    superstep: 0,
    createdAt: 1_700_000_000_000 + sequence,
    kind: 'full',
    data: JSON.stringify({ sequence }),
    ...fields,
  };
}

/** ~1 MB of JSON mixing ASCII, escapes and multi-byte characters, so truncation or re-encoding shows. */
function largeData(): string {
  const chunk = { text: 'Grüße, 世界! 🧵 "quoted" \\ back\\slash\n', n: 1234.5, nested: [true, null, { e: 'é' }] };
  const items = Array.from({ length: 10_000 }, (_, index) => ({ index, ...chunk }));
  return JSON.stringify({ items });
}

/** An invocation record; `fields` override its values. */
function invocation(fields: Partial<StoredInvocation> = {}): StoredInvocation {
  sequence += 1;
  return { runId: 'run-a', superstep: 1, invocationId: `run-a:1:step:${sequence}`, data: JSON.stringify({ sequence, text: 'Grüße 🧵' }), ...fields };
}

/** The store's invocation methods; fails the test with a clear message when the store lacks them. */
function records(store: CheckpointStore): Required<Pick<CheckpointStore, 'saveInvocation' | 'listInvocations' | 'deleteInvocations'>> {
  const { saveInvocation, listInvocations, deleteInvocations } = store;
  if (saveInvocation === undefined || listInvocations === undefined || deleteInvocations === undefined) {
    throw new Error('The store has no saveInvocation / listInvocations / deleteInvocations. Implement them as documented on CheckpointStore.');
  }
  return {
    saveInvocation: saveInvocation.bind(store),
    listInvocations: listInvocations.bind(store),
    deleteInvocations: deleteInvocations.bind(store),
  };
}

const byId = (list: readonly StoredInvocation[]): StoredInvocation[] =>
  [...list].sort((a, b) => (a.invocationId < b.invocationId ? -1 : a.invocationId > b.invocationId ? 1 : 0));

const ids = (checkpoints: readonly StoredCheckpoint[]): string[] => checkpoints.map((stored) => stored.id);

/**
 * Registers the vitest suite that every `CheckpointStore` must pass: round trips, ordering,
 * replacement, run isolation, deletion, concurrent saves and, given `reopen`, durability.
 *
 * @example
 * ```ts
 * import { MemoryCheckpointStore } from 'weft';
 * import { describeCheckpointStore } from 'weft/testing';
 *
 * describeCheckpointStore('MemoryCheckpointStore', { create: () => new MemoryCheckpointStore() });
 * ```
 */
export function describeCheckpointStore<TStore extends CheckpointStore>(name: string, factory: CheckpointStoreFactory<TStore>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let store: TStore;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await factory.dispose?.(store);
    });

    describe('save and get', () => {
      it('round-trips every field exactly', async () => {
        const first = checkpoint({ superstep: 0, parentId: null, kind: 'full' });
        const second = checkpoint({ superstep: 1, parentId: first.id, kind: 'delta', data: '{"patches":[]}' });
        await store.save(first);
        await store.save(second);

        expect(await store.get(first.id)).toStrictEqual(first);
        expect(await store.get(second.id)).toStrictEqual(second);
      });

      it('preserves unicode in every string field', async () => {
        const unicode = checkpoint({
          id: 'id-ünïcödé-🧵-检查点',
          runId: 'run-עברית-😀',
          parentId: 'parent-👨‍👩‍👧‍👦-e\u0301',
          workflow: 'workflow-日本語-Ωμέγα',
          data: JSON.stringify({ text: 'Grüße 🌍 \u{1F600} 中文 العربية e\u0301 \u200D \uFEFF', emoji: '🏳️‍🌈' }),
        });
        await store.save(unicode);

        expect(await store.get(unicode.id)).toStrictEqual(unicode);
        expect(await store.list(unicode.runId)).toStrictEqual([unicode]);
      });

      it('keeps a ~1 MB data string intact', async () => {
        const large = checkpoint({ data: largeData() });
        expect(large.data.length).toBeGreaterThan(1_000_000);
        await store.save(large);

        const loaded = await store.get(large.id);
        expect(loaded?.data.length).toBe(large.data.length);
        expect(loaded).toStrictEqual(large);
      });

      it('returns undefined for an unknown id', async () => {
        await store.save(checkpoint());
        expect(await store.get('no-such-checkpoint')).toBeUndefined();
      });

      it('replaces a checkpoint saved again under the same id, without duplicating it', async () => {
        const original = checkpoint({ superstep: 1, data: '"original"' });
        const other = checkpoint({ superstep: 2 });
        const replacement = {
          ...original,
          superstep: 3,
          createdAt: original.createdAt + 1000,
          kind: 'delta',
          parentId: other.id,
          data: '"replacement"',
        } satisfies StoredCheckpoint;
        await store.save(original);
        await store.save(other);
        await store.save(replacement);

        expect(await store.get(original.id)).toStrictEqual(replacement);
        expect(await store.list('run-a')).toStrictEqual([other, replacement]);
        expect(await store.latest('run-a')).toStrictEqual(replacement);
      });

      it('moves a checkpoint saved again under another run out of its old run', async () => {
        const original = checkpoint({ runId: 'run-a' });
        const moved = { ...original, runId: 'run-b' };
        await store.save(original);
        await store.save(moved);

        expect(await store.get(original.id)).toStrictEqual(moved);
        expect(await store.list('run-a')).toStrictEqual([]);
        expect(await store.latest('run-a')).toBeUndefined();
        expect(await store.list('run-b')).toStrictEqual([moved]);
      });
    });

    describe('list and latest', () => {
      it('lists a run oldest first: by superstep, then by creation time', async () => {
        const base = 1_800_000_000_000;
        const s0 = checkpoint({ superstep: 0, createdAt: base + 50 });
        const s1Early = checkpoint({ superstep: 1, createdAt: base + 10 });
        const s1Late = checkpoint({ superstep: 1, createdAt: base + 20 });
        const s2 = checkpoint({ superstep: 2, createdAt: base + 5 });
        const s10 = checkpoint({ superstep: 10, createdAt: base + 1 });
        // Saved out of order, with creation times that disagree with supersteps across steps.
        for (const stored of [s10, s1Late, s0, s2, s1Early]) await store.save(stored);

        expect(ids(await store.list('run-a'))).toEqual(ids([s0, s1Early, s1Late, s2, s10]));
        expect(await store.list('run-a')).toStrictEqual([s0, s1Early, s1Late, s2, s10]);
      });

      it('lists only the given run', async () => {
        const a = checkpoint({ runId: 'run-a' });
        const b = checkpoint({ runId: 'run-b' });
        const prefixed = checkpoint({ runId: 'run-a-2' });
        for (const stored of [a, b, prefixed]) await store.save(stored);

        expect(await store.list('run-a')).toStrictEqual([a]);
        expect(await store.list('run-b')).toStrictEqual([b]);
      });

      it('gives the highest superstep as latest, even when it was not the last created', async () => {
        const base = 1_800_000_000_000;
        const high = checkpoint({ superstep: 5, createdAt: base });
        const low = checkpoint({ superstep: 4, createdAt: base + 1000 });
        await store.save(high);
        await store.save(low);

        expect(await store.latest('run-a')).toStrictEqual(high);
      });

      it('breaks a superstep tie in latest by the latest creation time', async () => {
        const base = 1_800_000_000_000;
        const later = checkpoint({ superstep: 3, createdAt: base + 1 });
        const earlier = checkpoint({ superstep: 3, createdAt: base });
        await store.save(later);
        await store.save(earlier);

        expect(await store.latest('run-a')).toStrictEqual(later);
      });

      it('gives undefined as latest and an empty list for an unknown run', async () => {
        await store.save(checkpoint({ runId: 'run-a' }));

        expect(await store.latest('no-such-run')).toBeUndefined();
        expect(await store.list('no-such-run')).toStrictEqual([]);
      });

      it('keeps runs isolated', async () => {
        const a0 = checkpoint({ runId: 'run-a', superstep: 0 });
        const b0 = checkpoint({ runId: 'run-b', superstep: 0 });
        const a1 = checkpoint({ runId: 'run-a', superstep: 1, parentId: a0.id });
        const b7 = checkpoint({ runId: 'run-b', superstep: 7, parentId: b0.id });
        for (const stored of [a0, b0, a1, b7]) await store.save(stored);

        expect(await store.list('run-a')).toStrictEqual([a0, a1]);
        expect(await store.list('run-b')).toStrictEqual([b0, b7]);
        expect(await store.latest('run-a')).toStrictEqual(a1);
        expect(await store.latest('run-b')).toStrictEqual(b7);
      });
    });

    describe('deleteRun', () => {
      it('removes every checkpoint of that run and nothing else', async () => {
        const a0 = checkpoint({ runId: 'run-a', superstep: 0 });
        const a1 = checkpoint({ runId: 'run-a', superstep: 1 });
        const b0 = checkpoint({ runId: 'run-b', superstep: 0 });
        for (const stored of [a0, a1, b0]) await store.save(stored);

        await store.deleteRun('run-a');

        expect(await store.list('run-a')).toStrictEqual([]);
        expect(await store.latest('run-a')).toBeUndefined();
        expect(await store.get(a0.id)).toBeUndefined();
        expect(await store.get(a1.id)).toBeUndefined();
        expect(await store.list('run-b')).toStrictEqual([b0]);
        expect(await store.get(b0.id)).toStrictEqual(b0);
      });

      it('resolves for an unknown run', async () => {
        await expect(store.deleteRun('no-such-run')).resolves.toBeUndefined();
      });

      it('lets a deleted run be saved to again', async () => {
        await store.save(checkpoint({ runId: 'run-a' }));
        await store.deleteRun('run-a');
        const fresh = checkpoint({ runId: 'run-a', superstep: 2 });
        await store.save(fresh);

        expect(await store.list('run-a')).toStrictEqual([fresh]);
      });
    });

    describe('invocation records', () => {
      it('round-trips a record and lists only its run and superstep', async () => {
        const { saveInvocation, listInvocations } = records(store);
        const a1 = invocation();
        const a1b = invocation({ data: largeData() });
        const a2 = invocation({ superstep: 2 });
        const b1 = invocation({ runId: 'run-b', invocationId: a1.invocationId });
        for (const record of [a1, a2, b1, a1b]) await saveInvocation(record);

        expect(byId(await listInvocations('run-a', 1))).toStrictEqual(byId([a1, a1b]));
        expect(await listInvocations('run-a', 2)).toStrictEqual([a2]);
        expect(await listInvocations('run-b', 1)).toStrictEqual([b1]);
        expect(await listInvocations('run-a', 3)).toStrictEqual([]);
        expect(await listInvocations('no-such-run', 1)).toStrictEqual([]);
      });

      it('replaces a record saved again under the same run and invocation id', async () => {
        const { saveInvocation, listInvocations } = records(store);
        const first = invocation({ data: '"first"' });
        await saveInvocation(first);
        await saveInvocation({ ...first, data: '"second"' });
        expect(await listInvocations('run-a', 1)).toStrictEqual([{ ...first, data: '"second"' }]);
      });

      it('deletes the records of a run up to and including a superstep, and nothing else', async () => {
        const { saveInvocation, listInvocations, deleteInvocations } = records(store);
        const saved = [
          invocation({ superstep: 1 }),
          invocation({ superstep: 2 }),
          invocation({ superstep: 3 }),
          invocation({ runId: 'run-b', superstep: 1 }),
        ];
        for (const record of saved) await saveInvocation(record);

        await deleteInvocations('run-a', 2);

        expect(await listInvocations('run-a', 1)).toStrictEqual([]);
        expect(await listInvocations('run-a', 2)).toStrictEqual([]);
        expect(await listInvocations('run-a', 3)).toStrictEqual([saved[2]]);
        expect(await listInvocations('run-b', 1)).toStrictEqual([saved[3]]);
        await expect(deleteInvocations('no-such-run', 9)).resolves.toBeUndefined();
      });

      it("removes a run's records with deleteRun", async () => {
        const { saveInvocation, listInvocations } = records(store);
        await saveInvocation(invocation());
        const other = invocation({ runId: 'run-b' });
        await saveInvocation(other);
        await store.deleteRun('run-a');
        expect(await listInvocations('run-a', 1)).toStrictEqual([]);
        expect(await listInvocations('run-b', 1)).toStrictEqual([other]);
      });

      it('lands all of 50 concurrent saves', async () => {
        const { saveInvocation, listInvocations } = records(store);
        const saved = Array.from({ length: 50 }, () => invocation());
        await Promise.all(saved.map((record) => saveInvocation(record)));
        expect(byId(await listInvocations('run-a', 1))).toStrictEqual(byId(saved));
      });
    });

    describe('concurrency', () => {
      it('lands all of 50 concurrent saves', async () => {
        const base = 1_800_000_000_000;
        const saved = Array.from({ length: 50 }, (_, index) =>
          checkpoint({ runId: index % 2 === 0 ? 'run-even' : 'run-odd', superstep: index, createdAt: base + index, data: JSON.stringify({ index }) }),
        );

        await Promise.all(saved.map((stored) => store.save(stored)));

        for (const stored of saved) expect(await store.get(stored.id)).toStrictEqual(stored);
        expect(await store.list('run-even')).toStrictEqual(saved.filter((_, index) => index % 2 === 0));
        expect(await store.list('run-odd')).toStrictEqual(saved.filter((_, index) => index % 2 === 1));
        expect(await store.latest('run-odd')).toStrictEqual(saved[49]);
      });
    });

    if (factory.reopen !== undefined)
      describe('durability', () => {
        const reopen = async (): Promise<void> => {
          store = await (factory.reopen as NonNullable<typeof factory.reopen>)(store);
        };

        it('keeps every checkpoint across close and reopen', async () => {
          const a0 = checkpoint({ runId: 'run-a', superstep: 0 });
          const a1 = checkpoint({ runId: 'run-a', superstep: 1, parentId: a0.id, kind: 'delta', data: largeData() });
          const b0 = checkpoint({ runId: 'run-b', superstep: 0, workflow: 'wörkflow-🧵' });
          for (const stored of [a1, b0, a0]) await store.save(stored);

          await reopen();

          expect(await store.get(a1.id)).toStrictEqual(a1);
          expect(await store.list('run-a')).toStrictEqual([a0, a1]);
          expect(await store.latest('run-a')).toStrictEqual(a1);
          expect(await store.list('run-b')).toStrictEqual([b0]);
        });

        it('keeps replacements and deletions across close and reopen', async () => {
          const a0 = checkpoint({ runId: 'run-a', data: '"before"' });
          const b0 = checkpoint({ runId: 'run-b' });
          await store.save(a0);
          await store.save(b0);
          await reopen();

          const replaced = { ...a0, data: '"after"' };
          await store.save(replaced);
          await store.deleteRun('run-b');
          await reopen();

          expect(await store.list('run-a')).toStrictEqual([replaced]);
          expect(await store.get(b0.id)).toBeUndefined();
          expect(await store.list('run-b')).toStrictEqual([]);
        });

        it('keeps invocation records and their deletion across close and reopen', async () => {
          const kept = invocation({ superstep: 4 });
          const dropped = invocation({ superstep: 3 });
          await records(store).saveInvocation(kept);
          await records(store).saveInvocation(dropped);
          await reopen();
          expect(await records(store).listInvocations('run-a', 4)).toStrictEqual([kept]);
          await records(store).deleteInvocations('run-a', 3);
          await reopen();
          expect(await records(store).listInvocations('run-a', 3)).toStrictEqual([]);
          expect(await records(store).listInvocations('run-a', 4)).toStrictEqual([kept]);
        });
      });
  });
}
