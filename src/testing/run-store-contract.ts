import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isWeftError,
  type LeaseRequest,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type RunSummary,
  type SerializedEvent,
  type StoredCheckpoint,
} from '../index.js';

/** How the contract suite makes, reopens and cleans up the run store under test. */
export interface RunStoreFactory<TStore extends RunStore = RunStore> {
  /** A fresh, empty store; called before every test. */
  create(): Promise<TStore> | TStore;
  /**
   * Closes `store` and opens a new one over the same storage, as a restarted process would.
   * Durable stores provide it; without it the durability cases are not registered.
   */
  reopen?(store: TStore): Promise<TStore> | TStore;
  /** Releases the store (and its storage) after every test; receives the reopened store if a test reopened it. */
  dispose?(store: TStore): Promise<void> | void;
}

const BASE = 1_700_000_000_000;
let sequence = 0;

/** A complete record with distinct values in every field; `fields` override them. */
function run(fields: Partial<RunRecord> = {}): RunRecord {
  sequence += 1;
  return {
    id: `run-${String(sequence).padStart(4, '0')}`,
    workflow: 'contract',
    status: 'running',
    input: { ticket: sequence, text: 'Grüße 🧵', tags: ['a', 'b'], nested: { ok: true, none: null } },
    outputs: [],
    pendingRequests: [],
    error: undefined,
    checkpointId: undefined,
    createdAt: BASE + sequence,
    updatedAt: BASE + sequence,
    ...fields,
  };
}

/** A plain-JSON event of `runId` with this `seq`. */
function event(runId: string, seq: number, fields: Record<string, unknown> = {}): SerializedEvent {
  return {
    type: 'custom',
    runId,
    seq,
    superstep: seq,
    path: [],
    at: BASE + seq,
    executorId: 'step',
    name: 'tick',
    data: { seq, text: 'é 🧵' },
    ...fields,
  } as SerializedEvent;
}

const ids = (runs: readonly { readonly id: string }[]): string[] => runs.map((record) => record.id);
const seqs = (events: readonly SerializedEvent[]): number[] => events.map((stored) => stored.seq);

/** What `listRuns` gives of a record. */
const summary = (record: RunRecord): RunSummary => ({
  id: record.id,
  workflow: record.workflow,
  status: record.status,
  pendingRequests: record.pendingRequests.length,
  error: record.error,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
});

/** Newest first: by creation time, then by id, both descending; as `listRuns` summarizes them. */
const newestFirst = (runs: readonly RunRecord[]): RunSummary[] =>
  [...runs].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map(summary);

/** A checkpoint of `runId` at `superstep`. */
const checkpointOf = (runId: string, superstep: number, id = `${runId}-checkpoint-${superstep}`): StoredCheckpoint => ({
  id,
  runId,
  parentId: null,
  workflow: 'contract',
  superstep,
  createdAt: BASE + superstep,
  kind: 'full',
  data: `{"superstep":${superstep}}`,
});

const TTL = 1000;
const by = (owner: string, now = BASE): LeaseRequest => ({ owner, now, ttlMs: TTL });

/** Resolves with the error a promise rejected with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but it resolved');
}

/**
 * Registers the vitest suite that every `RunStore` must pass: record round trips, updates, listing with filters
 * and keyset pagination, event logs, the checkpoint store beside them and, given `reopen`, durability.
 *
 * @example
 * ```ts
 * import { MemoryRunStore } from 'weft';
 * import { describeRunStore } from 'weft/testing';
 *
 * describeRunStore('MemoryRunStore', { create: () => new MemoryRunStore() });
 * ```
 */
export function describeRunStore<TStore extends RunStore>(name: string, factory: RunStoreFactory<TStore>): void {
  describe(`RunStore contract: ${name}`, () => {
    let store: TStore;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await factory.dispose?.(store);
    });

    /** Every page of `listRuns` for the filter, following `nextCursor`. */
    const allPages = async (query: { workflow?: string; status?: RunStatus; limit: number }): Promise<RunSummary[][]> => {
      const pages: RunSummary[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns(cursor === undefined ? query : { ...query, cursor });
        pages.push([...page.runs]);
        cursor = page.nextCursor;
        if (pages.length > 1000) throw new Error('listRuns never reached its last page');
      } while (cursor !== undefined);
      return pages;
    };

    describe('createRun and getRun', () => {
      it('round-trips every field exactly', async () => {
        const record = run({
          status: 'waiting',
          outputs: ['first', { n: 2, list: [1, 2, 3] }, null],
          pendingRequests: [{ id: 'request-1', executorId: 'approve', path: ['approve'], payload: { text: 'ship it?' }, superstep: 3 }],
          error: { name: 'ExecutorError', code: 'executor_failed', message: 'boom' },
          checkpointId: 'checkpoint-7',
        });
        await store.createRun(record);

        expect(await store.getRun(record.id)).toStrictEqual(record);
      });

      it('round-trips a run without error or checkpoint, with an undefined, a null and a unicode input', async () => {
        const plain = run();
        const undefinedInput = run({ input: undefined });
        const nullInput = run({ input: null });
        const unicode = run({ id: 'run-ünïcödé-🧵', workflow: 'wörkflow-日本語', input: 'text 🌍 e\u0301 \u200D', outputs: ['👨‍👩‍👧‍👦'] });
        for (const record of [plain, undefinedInput, nullInput, unicode]) await store.createRun(record);

        expect(await store.getRun(plain.id)).toStrictEqual(plain);
        expect(await store.getRun(undefinedInput.id)).toStrictEqual(undefinedInput);
        expect(await store.getRun(nullInput.id)).toStrictEqual(nullInput);
        expect(await store.getRun(unicode.id)).toStrictEqual(unicode);
      });

      it('keeps an error without a code', async () => {
        const record = run({ status: 'failed', error: { name: 'Error', code: undefined, message: 'plain failure' } });
        await store.createRun(record);

        expect(await store.getRun(record.id)).toStrictEqual(record);
      });

      it('returns undefined for an unknown id', async () => {
        await store.createRun(run());
        expect(await store.getRun('no-such-run')).toBeUndefined();
      });

      it('refuses to create a run twice and keeps the first', async () => {
        const first = run();
        await store.createRun(first);

        await expect(store.createRun({ ...first, workflow: 'other', status: 'failed' })).rejects.toThrow(first.id);
        expect(await store.getRun(first.id)).toStrictEqual(first);
        expect(ids((await store.listRuns()).runs)).toEqual([first.id]);
      });
    });

    describe('updateRun', () => {
      it('changes the given fields and nothing else', async () => {
        const record = run();
        await store.createRun(record);
        const requests = [{ id: 'request-1', executorId: 'approve', path: ['approve'], payload: 'ok?', superstep: 2 }];

        await store.updateRun(record.id, {
          status: 'waiting',
          pendingRequests: requests,
          checkpointId: 'checkpoint-2',
          updatedAt: record.updatedAt + 10,
        });
        expect(await store.getRun(record.id)).toStrictEqual({
          ...record,
          status: 'waiting',
          pendingRequests: requests,
          checkpointId: 'checkpoint-2',
          updatedAt: record.updatedAt + 10,
        });

        await store.updateRun(record.id, { updatedAt: record.updatedAt + 20 });
        expect(await store.getRun(record.id)).toStrictEqual({
          ...record,
          status: 'waiting',
          pendingRequests: requests,
          checkpointId: 'checkpoint-2',
          updatedAt: record.updatedAt + 20,
        });

        await store.updateRun(record.id, { status: 'completed', outputs: ['done', { n: 1 }], pendingRequests: [], updatedAt: record.updatedAt + 30 });
        expect(await store.getRun(record.id)).toStrictEqual({
          ...record,
          status: 'completed',
          outputs: ['done', { n: 1 }],
          checkpointId: 'checkpoint-2',
          updatedAt: record.updatedAt + 30,
        });
      });

      it('clears a field given as undefined', async () => {
        const record = run({ status: 'failed', error: { name: 'Error', code: 'executor_failed', message: 'boom' }, checkpointId: 'checkpoint-1' });
        await store.createRun(record);

        await store.updateRun(record.id, { error: undefined, checkpointId: undefined, updatedAt: record.updatedAt + 1 });

        expect(await store.getRun(record.id)).toStrictEqual({
          ...record,
          error: undefined,
          checkpointId: undefined,
          updatedAt: record.updatedAt + 1,
        });
      });

      it('refuses an unknown run and creates none', async () => {
        await expect(store.updateRun('no-such-run', { status: 'completed', updatedAt: BASE })).rejects.toThrow('no-such-run');
        expect(await store.getRun('no-such-run')).toBeUndefined();
        expect((await store.listRuns()).runs).toStrictEqual([]);
      });

      it('changes only the run it names', async () => {
        const a = run();
        const b = run();
        await store.createRun(a);
        await store.createRun(b);

        await store.updateRun(a.id, { status: 'cancelled', updatedAt: a.updatedAt + 1 });

        expect(await store.getRun(b.id)).toStrictEqual(b);
      });
    });

    describe('listRuns', () => {
      it('lists newest first, by creation time then id, whatever the order of creation', async () => {
        const records = [
          run({ createdAt: BASE + 5 }),
          run({ createdAt: BASE + 1 }),
          run({ createdAt: BASE + 9 }),
          run({ id: 'run-b', createdAt: BASE + 5 }),
          run({ id: 'run-a', createdAt: BASE + 5 }),
        ];
        for (const record of records) await store.createRun(record);

        const page = await store.listRuns();
        expect(page.runs).toStrictEqual(newestFirst(records));
        expect(page.nextCursor).toBeUndefined();
      });

      it('gives an empty page for an empty store', async () => {
        expect(await store.listRuns()).toStrictEqual({ runs: [], nextCursor: undefined });
      });

      it('filters by workflow, by status and by both', async () => {
        const records = [
          run({ workflow: 'triage', status: 'running' }),
          run({ workflow: 'triage', status: 'completed' }),
          run({ workflow: 'review', status: 'completed' }),
          run({ workflow: 'review', status: 'waiting' }),
          run({ workflow: 'triage', status: 'completed' }),
          run({ workflow: 'triage-2', status: 'completed' }),
        ];
        for (const record of records) await store.createRun(record);
        const where = (test: (record: RunRecord) => boolean): RunSummary[] => newestFirst(records.filter(test));

        expect((await store.listRuns({ workflow: 'triage' })).runs).toStrictEqual(where((r) => r.workflow === 'triage'));
        expect((await store.listRuns({ status: 'completed' })).runs).toStrictEqual(where((r) => r.status === 'completed'));
        expect((await store.listRuns({ workflow: 'triage', status: 'completed' })).runs).toStrictEqual(
          where((r) => r.workflow === 'triage' && r.status === 'completed'),
        );
        expect((await store.listRuns({ workflow: 'review', status: 'running' })).runs).toStrictEqual([]);
        expect((await store.listRuns({ workflow: 'no-such-workflow' })).runs).toStrictEqual([]);
      });

      it('filters by the current status after an update', async () => {
        const record = run();
        await store.createRun(record);
        await store.updateRun(record.id, { status: 'completed', updatedAt: record.updatedAt + 1 });

        expect((await store.listRuns({ status: 'running' })).runs).toStrictEqual([]);
        expect(ids((await store.listRuns({ status: 'completed' })).runs)).toEqual([record.id]);
      });

      it('pages with limit and cursor, without duplicates or gaps, through ties on the creation time', async () => {
        // 23 runs on 5 distinct creation times, created in a scrambled order.
        const records = Array.from({ length: 23 }, (_, index) =>
          run({ id: `run-${String((index * 7) % 23).padStart(2, '0')}`, createdAt: BASE + (index % 5) }),
        );
        for (const record of records) await store.createRun(record);

        for (const limit of [1, 2, 4, 5, 22, 23, 24]) {
          const pages = await allPages({ limit });
          expect(pages.map((page) => page.length)).toEqual(
            Array.from({ length: Math.max(1, Math.ceil(23 / limit)) }, (_, index) => Math.min(limit, 23 - index * limit)),
          );
          expect(pages.flat()).toStrictEqual(newestFirst(records));
        }
      });

      it('pages through a filter', async () => {
        const records = Array.from({ length: 30 }, (_, index) =>
          run({ workflow: index % 2 === 0 ? 'even' : 'odd', status: index % 3 === 0 ? 'completed' : 'running', createdAt: BASE + (index % 4) }),
        );
        for (const record of records) await store.createRun(record);

        const pages = await allPages({ workflow: 'even', status: 'completed', limit: 2 });
        expect(pages.flat()).toStrictEqual(newestFirst(records.filter((r) => r.workflow === 'even' && r.status === 'completed')));
        expect(pages.every((page) => page.length <= 2)).toBe(true);
      });

      it('ends on a full page without an empty one after it', async () => {
        for (let index = 0; index < 4; index++) await store.createRun(run());

        const first = await store.listRuns({ limit: 2 });
        expect(first.runs).toHaveLength(2);
        expect(first.nextCursor).toBeTypeOf('string');
        const second = await store.listRuns({ limit: 2, cursor: first.nextCursor as string });
        expect(second.runs).toHaveLength(2);
        expect(second.nextCursor).toBeUndefined();
      });

      it('keeps its place when runs are created or updated between pages', async () => {
        const records = Array.from({ length: 6 }, () => run());
        for (const record of records) await store.createRun(record);
        const expected = newestFirst(records);

        const first = await store.listRuns({ limit: 3 });
        expect(ids(first.runs)).toEqual(ids(expected.slice(0, 3)));
        await store.createRun(run({ createdAt: BASE + 1_000_000 })); // newer: belongs before the first page
        await store.updateRun((expected[4] as RunSummary).id, { status: 'completed', updatedAt: BASE + 1_000_000 });
        const second = await store.listRuns({ limit: 3, cursor: first.nextCursor as string });

        expect(ids(second.runs)).toEqual(ids(expected.slice(3)));
        expect(second.nextCursor).toBeUndefined();
      });

      it('gives 50 runs by default', async () => {
        for (let index = 0; index < 51; index++) await store.createRun(run());

        const page = await store.listRuns();
        expect(page.runs).toHaveLength(50);
        expect(page.nextCursor).toBeTypeOf('string');
        expect((await store.listRuns({ cursor: page.nextCursor as string })).runs).toHaveLength(1);
      });

      it('refuses a limit outside 1–500 and a cursor it did not make, with a TypeError', async () => {
        await store.createRun(run());

        for (const limit of [0, -1, 501, 1.5, Number.NaN]) await expect(store.listRuns({ limit })).rejects.toThrow(TypeError);
        await expect(store.listRuns({ limit: 500 })).resolves.toMatchObject({ runs: [expect.anything()] });
        for (const cursor of ['', 'garbage', ':run-1', 'x:run-1']) await expect(store.listRuns({ cursor })).rejects.toThrow(TypeError);
      });
    });

    describe('appendEvents and readEvents', () => {
      it('reads back what was appended, in order, across appends', async () => {
        const first = [event('run-a', 0), event('run-a', 1, { type: 'run.started', workflow: 'w', signature: 's', input: { x: [1, 'é'] } })];
        const second = [
          event('run-a', 2),
          event('run-a', 3, { type: 'run.failed', error: { name: 'ExecutorError', code: 'executor_failed', message: 'boom' } }),
        ];
        await store.appendEvents('run-a', first);
        await store.appendEvents('run-a', []);
        await store.appendEvents('run-a', second);

        expect(await store.readEvents('run-a')).toStrictEqual([...first, ...second]);
      });

      it('reads only the events after afterSeq', async () => {
        const events = Array.from({ length: 6 }, (_, seq) => event('run-a', seq));
        await store.appendEvents('run-a', events);

        expect(await store.readEvents('run-a', -1)).toStrictEqual(events);
        expect(seqs(await store.readEvents('run-a', 0))).toEqual([1, 2, 3, 4, 5]);
        expect(seqs(await store.readEvents('run-a', 3))).toEqual([4, 5]);
        expect(await store.readEvents('run-a', 5)).toStrictEqual([]);
        expect(await store.readEvents('run-a', 99)).toStrictEqual([]);
      });

      it('gives no events for a run without any', async () => {
        await store.createRun(run({ id: 'run-quiet' }));
        expect(await store.readEvents('run-quiet')).toStrictEqual([]);
        expect(await store.readEvents('no-such-run')).toStrictEqual([]);
      });

      it('keeps runs isolated', async () => {
        await store.appendEvents('run-a', [event('run-a', 0), event('run-a', 1)]);
        await store.appendEvents('run-b', [event('run-b', 0)]);
        await store.appendEvents('run-a-2', [event('run-a-2', 0)]);
        await store.appendEvents('run-a', [event('run-a', 2)]);

        expect(seqs(await store.readEvents('run-a'))).toEqual([0, 1, 2]);
        expect(await store.readEvents('run-b')).toStrictEqual([event('run-b', 0)]);
        expect(await store.readEvents('run-a-2')).toStrictEqual([event('run-a-2', 0)]);
      });

      it('refuses a seq that does not follow the stored ones, appending none of that call', async () => {
        await store.appendEvents('run-a', [event('run-a', 0), event('run-a', 1)]);

        await expect(store.appendEvents('run-a', [event('run-a', 2), event('run-a', 1)])).rejects.toThrow();
        await expect(store.appendEvents('run-a', [event('run-a', 0)])).rejects.toThrow();
        await expect(store.appendEvents('run-a', [event('run-a', 3), event('run-a', 3)])).rejects.toThrow();

        expect(seqs(await store.readEvents('run-a'))).toEqual([0, 1]);
        await store.appendEvents('run-a', [event('run-a', 2)]);
        expect(seqs(await store.readEvents('run-a'))).toEqual([0, 1, 2]);
      });

      it('lands all of 20 concurrent appends to different runs', async () => {
        await Promise.all(
          Array.from({ length: 20 }, (_, index) => store.appendEvents(`run-${index}`, [event(`run-${index}`, 0), event(`run-${index}`, 1)])),
        );

        for (let index = 0; index < 20; index++) expect(seqs(await store.readEvents(`run-${index}`))).toEqual([0, 1]);
      });
    });

    describe('listRuns summaries', () => {
      it('gives summaries without input, outputs or request payloads, and cuts long error messages', async () => {
        const big = run({
          status: 'waiting',
          input: { blob: 'x'.repeat(10_000) },
          outputs: ['y'.repeat(10_000)],
          pendingRequests: [{ id: 'request-1', executorId: 'approve', path: ['approve'], payload: 'z'.repeat(10_000), superstep: 1 }],
        });
        const failed = run({ status: 'failed', error: { name: 'ExecutorError', code: 'executor_failed', message: 'm'.repeat(5000) } });
        await store.createRun(big);
        await store.createRun(failed);

        const [first, second] = (await store.listRuns()).runs;
        expect(first).toStrictEqual({
          ...summary(failed),
          error: { name: 'ExecutorError', code: 'executor_failed', message: `${'m'.repeat(999)}…` },
        });
        expect(second).toStrictEqual(summary(big));
        expect(JSON.stringify(second).length).toBeLessThan(500);
      });
    });

    describe('leases', () => {
      const lost = async (promise: Promise<unknown>): Promise<void> => {
        const error = await rejection(promise);
        expect(isWeftError(error) && error.code === 'lease_lost').toBe(true);
      };

      it('gives a run created with an owner token 1, and commits its writes in one piece', async () => {
        const record = run({ id: 'run-a' });
        await store.createRun(record, by('one'));
        const lease = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };
        const checkpoint = checkpointOf('run-a', 1);

        expect(
          await store.commitRun(lease, {
            events: [event('run-a', 0), event('run-a', 1)],
            checkpoint,
            changes: { checkpointId: checkpoint.id, updatedAt: BASE + 5 },
          }),
        ).toStrictEqual({ cancelRequested: false });

        expect(seqs(await store.readEvents('run-a'))).toEqual([0, 1]);
        expect(await store.checkpoints.get(checkpoint.id)).toStrictEqual(checkpoint);
        expect(await store.getRun('run-a')).toStrictEqual({ ...record, checkpointId: checkpoint.id, updatedAt: BASE + 5 });
      });

      it('stores nothing of a commit that a part of refuses: not its events, its checkpoint or its changes', async () => {
        const record = run({ id: 'run-a' });
        await store.createRun(record, by('one'));
        const lease = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };
        await store.commitRun(lease, { events: [event('run-a', 0)] });

        await expect(
          store.commitRun(lease, {
            events: [event('run-a', 1), event('run-a', 0)],
            checkpoint: checkpointOf('run-a', 1),
            changes: { status: 'completed', updatedAt: BASE + 9 },
          }),
        ).rejects.toThrow();

        expect(seqs(await store.readEvents('run-a'))).toEqual([0]);
        expect(await store.checkpoints.latest('run-a')).toBeUndefined();
        expect(await store.getRun('run-a')).toStrictEqual(record);
      });

      it('lets nobody claim a live lease, and the next owner claim it once expired (token + 1); the old owner is fenced off', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));
        const old = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };

        expect(await store.claimRun('run-a', by('two', BASE + TTL - 1))).toBeUndefined();
        expect(await store.claimRun('run-a', by('one', BASE + 1))).toBeUndefined(); // not even its owner: claims are takeovers
        const claim = await store.claimRun('run-a', by('two', BASE + TTL));
        expect(claim).toStrictEqual({
          lease: { runId: 'run-a', owner: 'two', token: 2, expiresAt: BASE + 2 * TTL },
          responses: {},
          cancelRequested: false,
        });

        await lost(
          store.commitRun(old, {
            events: [event('run-a', 0)],
            checkpoint: checkpointOf('run-a', 1),
            changes: { status: 'completed', updatedAt: BASE + 9 },
          }),
        );
        expect(await store.renewLease(old, { now: BASE + TTL, ttlMs: TTL })).toBeUndefined();
        expect(await store.readEvents('run-a')).toStrictEqual([]);
        expect(await store.checkpoints.latest('run-a')).toBeUndefined();
        expect((await store.getRun('run-a'))?.status).toBe('running');

        await store.commitRun((claim as NonNullable<typeof claim>).lease, { events: [event('run-a', 0)] });
        expect(seqs(await store.readEvents('run-a'))).toEqual([0]);
      });

      it('lets one of 20 concurrent claims of an expired lease win', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));

        const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => store.claimRun('run-a', by(`owner-${index}`, BASE + TTL))));

        const won = claims.filter((claim) => claim !== undefined);
        expect(won).toHaveLength(1);
        expect(won[0]?.lease.token).toBe(2);
      });

      it('claims a running run created without an owner, and no run that is not running or does not exist', async () => {
        await store.createRun(run({ id: 'run-free' }));
        for (const status of ['waiting', 'completed', 'failed', 'cancelled'] as const) await store.createRun(run({ id: `run-${status}`, status }));

        expect((await store.claimRun('run-free', by('two')))?.lease).toStrictEqual({
          runId: 'run-free',
          owner: 'two',
          token: 1,
          expiresAt: BASE + TTL,
        });
        for (const status of ['waiting', 'completed', 'failed', 'cancelled'])
          expect(await store.claimRun(`run-${status}`, by('two', BASE + 10 * TTL))).toBeUndefined();
        expect(await store.claimRun('no-such-run', by('two'))).toBeUndefined();
      });

      it('renews a lease, even an expired one nobody took, so that it is not claimed before its new expiry', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));
        const lease = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };

        const renewed = await store.renewLease(lease, { now: BASE + TTL + 500, ttlMs: TTL });
        expect(renewed).toStrictEqual({ lease: { ...lease, expiresAt: BASE + 2 * TTL + 500 }, cancelRequested: false });

        expect(await store.claimRun('run-a', by('two', BASE + 2 * TTL))).toBeUndefined();
        expect(await store.claimRun('run-a', by('two', BASE + 2 * TTL + 500))).toBeDefined();
      });

      it('frees a released run at once, keeping its token', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));
        await store.commitRun({ runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL }, { events: [], release: true });

        expect((await store.claimRun('run-a', by('two', BASE)))?.lease.token).toBe(2);
      });

      it('passes a cancel request to the owner through commitRun, renewLease and claimRun, for running runs only', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));
        await store.createRun(run({ id: 'run-w', status: 'waiting', checkpointId: 'c' }));
        const lease = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };

        expect(await store.requestCancel('run-a')).toBe(true);
        expect(await store.requestCancel('run-w')).toBe(false);
        expect(await store.requestCancel('no-such-run')).toBe(false);

        expect(await store.commitRun(lease, { events: [event('run-a', 0)] })).toStrictEqual({ cancelRequested: true });
        expect((await store.renewLease(lease, { now: BASE, ttlMs: TTL }))?.cancelRequested).toBe(true);
        expect((await store.claimRun('run-a', by('two', BASE + 5 * TTL)))?.cancelRequested).toBe(true);
        expect((await store.getRun('run-w'))?.status).toBe('waiting');
      });

      it('drops a cancel request with updateRun({ clearCancel: true }), and keeps it through any other update', async () => {
        await store.createRun(run({ id: 'run-a' }), by('one'));
        const lease = { runId: 'run-a', owner: 'one', token: 1, expiresAt: BASE + TTL };
        expect(await store.requestCancel('run-a')).toBe(true);
        await store.updateRun('run-a', { status: 'running', updatedAt: BASE + 1 });
        expect((await store.renewLease(lease, { now: BASE, ttlMs: TTL }))?.cancelRequested).toBe(true);
        await store.updateRun('run-a', { status: 'running', clearCancel: true, updatedAt: BASE + 2 });
        expect((await store.renewLease(lease, { now: BASE, ttlMs: TTL }))?.cancelRequested).toBe(false);
        expect(await store.commitRun(lease, { events: [event('run-a', 0)] })).toStrictEqual({ cancelRequested: false });
        expect(await store.getRun('run-a')).not.toHaveProperty('clearCancel');
      });
    });

    describe('answerRun', () => {
      const waiting = async (id = 'run-w'): Promise<RunRecord> => {
        const record = run({
          id,
          status: 'waiting',
          checkpointId: `${id}-checkpoint-2`,
          pendingRequests: [{ id: 'request-1', executorId: 'approve', path: ['approve'], payload: 'ok?', superstep: 2 }],
        });
        await store.createRun(record);
        await store.checkpoints.save(checkpointOf(id, 2));
        return record;
      };

      it('takes one answer for a waiting checkpoint: the run is running, owned by the answerer, with the answer stored', async () => {
        const record = await waiting();

        const claim = await store.answerRun(
          'run-w',
          { checkpointId: 'run-w-checkpoint-2', responses: { 'request-1': { approved: true } } },
          by('one', BASE + 50),
        );

        expect(claim).toStrictEqual({
          lease: { runId: 'run-w', owner: 'one', token: 1, expiresAt: BASE + 50 + TTL },
          responses: { 'request-1': { approved: true } },
          cancelRequested: false,
        });
        expect(await store.getRun('run-w')).toStrictEqual({ ...record, status: 'running', updatedAt: BASE + 50 });
        expect(
          await store.answerRun('run-w', { checkpointId: 'run-w-checkpoint-2', responses: { 'request-1': { approved: false } } }, by('two')),
        ).toBeUndefined();
        // The answerer died: whoever takes the run over gets the stored answer, until a checkpoint holds it.
        const next = await store.claimRun('run-w', by('two', BASE + 50 + TTL));
        expect(next?.responses).toStrictEqual({ 'request-1': { approved: true } });
        await store.commitRun((next as NonNullable<typeof next>).lease, { events: [], checkpoint: checkpointOf('run-w', 3) });
        expect((await store.claimRun('run-w', by('three', BASE + 10 * TTL)))?.responses).toStrictEqual({});
      });

      it('refuses an answer for another checkpoint or a run that is not waiting, changing nothing', async () => {
        const record = await waiting();
        await store.createRun(run({ id: 'run-r', checkpointId: 'run-r-checkpoint-2' }));

        expect(await store.answerRun('run-w', { checkpointId: 'run-w-checkpoint-1', responses: { 'request-1': 1 } }, by('one'))).toBeUndefined();
        expect(await store.answerRun('run-r', { checkpointId: 'run-r-checkpoint-2', responses: { 'request-1': 1 } }, by('one'))).toBeUndefined();
        expect(await store.answerRun('no-such-run', { checkpointId: 'c', responses: {} }, by('one'))).toBeUndefined();
        expect(await store.getRun('run-w')).toStrictEqual(record);
      });

      it('takes exactly one of 20 concurrent answers', async () => {
        await waiting();

        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            store.answerRun('run-w', { checkpointId: 'run-w-checkpoint-2', responses: { 'request-1': index } }, by(`owner-${index}`)),
          ),
        );

        const won = claims.filter((claim) => claim !== undefined);
        expect(won).toHaveLength(1);
        expect(won[0]?.responses).toStrictEqual({ 'request-1': claims.indexOf(won[0]) });
      });

      it('takes a waiting run to cancel it, with the cancel flag set', async () => {
        await waiting();

        const claim = await store.answerRun('run-w', { checkpointId: 'run-w-checkpoint-2', responses: {}, cancel: true }, by('one'));

        expect(claim?.cancelRequested).toBe(true);
        expect((await store.getRun('run-w'))?.status).toBe('running');
      });
    });

    describe('checkpoints', () => {
      it('has a usable checkpoint store beside the runs', async () => {
        const checkpoint: StoredCheckpoint = {
          id: 'checkpoint-1',
          runId: 'run-a',
          parentId: null,
          workflow: 'contract',
          superstep: 0,
          createdAt: BASE,
          kind: 'full',
          data: '{"ok":true}',
        };
        await store.createRun(run({ id: 'run-a' }));
        await store.checkpoints.save(checkpoint);
        await store.updateRun('run-a', { checkpointId: checkpoint.id, updatedAt: BASE + 1 });

        expect(await store.checkpoints.get(checkpoint.id)).toStrictEqual(checkpoint);
        expect(await store.checkpoints.latest('run-a')).toStrictEqual(checkpoint);
        expect((await store.getRun('run-a'))?.checkpointId).toBe(checkpoint.id);
      });
    });

    if (factory.reopen !== undefined)
      describe('durability', () => {
        const reopen = async (): Promise<void> => {
          store = await (factory.reopen as NonNullable<typeof factory.reopen>)(store);
        };

        it('keeps runs, their updates, their events and their checkpoints across close and reopen', async () => {
          const a = run({ id: 'run-a', input: { text: 'Grüße 🧵' } });
          const b = run({ id: 'run-b', workflow: 'other' });
          const checkpoint: StoredCheckpoint = {
            id: 'checkpoint-1',
            runId: 'run-a',
            parentId: null,
            workflow: 'contract',
            superstep: 1,
            createdAt: BASE,
            kind: 'full',
            data: '{}',
          };
          await store.createRun(a);
          await store.createRun(b);
          await store.appendEvents('run-a', [event('run-a', 0), event('run-a', 1)]);
          await store.checkpoints.save(checkpoint);
          await store.updateRun('run-a', { status: 'waiting', checkpointId: checkpoint.id, updatedAt: a.updatedAt + 1 });

          await reopen();

          const updated = { ...a, status: 'waiting', checkpointId: checkpoint.id, updatedAt: a.updatedAt + 1 } satisfies RunRecord;
          expect(await store.getRun('run-a')).toStrictEqual(updated);
          expect((await store.listRuns()).runs).toStrictEqual(newestFirst([updated, b]));
          expect(await store.readEvents('run-a')).toStrictEqual([event('run-a', 0), event('run-a', 1)]);
          expect(await store.checkpoints.latest('run-a')).toStrictEqual(checkpoint);

          // The event log continues where it stopped, and a run's id stays taken.
          await store.appendEvents('run-a', [event('run-a', 2)]);
          await expect(store.appendEvents('run-a', [event('run-a', 1)])).rejects.toThrow();
          await expect(store.createRun(b)).rejects.toThrow();
          await reopen();
          expect(seqs(await store.readEvents('run-a'))).toEqual([0, 1, 2]);
        });

        it('keeps leases, tokens, stored answers and cancel requests across close and reopen', async () => {
          await store.createRun(run({ id: 'run-a' }), by('one'));
          await store.createRun(run({ id: 'run-w', status: 'waiting', checkpointId: 'c' }));
          await store.answerRun('run-w', { checkpointId: 'c', responses: { r: 'yes' } }, by('one'));
          await store.requestCancel('run-a');

          await reopen();

          expect(await store.claimRun('run-a', by('two', BASE + TTL - 1))).toBeUndefined();
          expect(await store.claimRun('run-a', by('two', BASE + TTL))).toStrictEqual({
            lease: { runId: 'run-a', owner: 'two', token: 2, expiresAt: BASE + 2 * TTL },
            responses: {},
            cancelRequested: true,
          });
          expect((await store.claimRun('run-w', by('two', BASE + TTL)))?.responses).toStrictEqual({ r: 'yes' });
        });

        it('pages with a cursor taken before the reopen', async () => {
          const records = Array.from({ length: 5 }, () => run({ createdAt: BASE }));
          for (const record of records) await store.createRun(record);
          const first = await store.listRuns({ limit: 2 });

          await reopen();

          const rest = await store.listRuns({ limit: 10, cursor: first.nextCursor as string });
          expect([...first.runs, ...rest.runs]).toStrictEqual(newestFirst(records));
        });
      });
  });
}
