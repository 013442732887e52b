// createRuntime over each run store: invoke, read, follow events, answer, cancel, recover. Time is controlled with
// promises the tests resolve (a handler held at a superstep), never with sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { filter, firstValueFrom, take, toArray, type Observable } from 'rxjs';
import {
  MemoryRunStore,
  NotFoundError,
  WorkflowBuilder,
  executor,
  RequestError,
  WorkflowInputError,
  createRuntime,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type RunSummary,
  type Runtime,
  type SerializedEvent,
  type Workflow,
} from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { type SqliteRunStore, openSqliteRunStore } from 'weft/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { runReporting } from '../support/reporting-child.js';
import { runningRecord } from '../support/run-record.js';
import { freshOptions, postgresUrl } from '../support/postgres-inject.js';
import type { CrashReport } from './crash-worker.js';
import { approval, counter, echo, type Hold } from './workflows.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** A hold that parks `step` at `superstep` until `gate` is resolved, resolving `reached` when it gets there. */
function holdAt(superstep: number): { readonly hold: Hold; readonly reached: Promise<void>; readonly release: () => void } {
  const reached = deferred();
  const gate = deferred();
  return {
    hold: (current) => {
      if (current !== superstep) return undefined;
      reached.resolve();
      return gate.promise;
    },
    reached: reached.promise,
    release: () => gate.resolve(),
  };
}

const collect = (events: Observable<SerializedEvent>): Promise<SerializedEvent[]> => firstValueFrom(events.pipe(toArray()));
const until = <T extends SerializedEvent['type']>(events: Observable<SerializedEvent>, type: T): Promise<Extract<SerializedEvent, { type: T }>> =>
  firstValueFrom(events.pipe(filter((event): event is Extract<SerializedEvent, { type: T }> => event.type === type && event.path.length === 0)));
const seqs = (events: readonly SerializedEvent[]): number[] => events.map((event) => event.seq);
const range = (length: number): number[] => Array.from({ length }, (_, index) => index);
const runLevel = (events: readonly SerializedEvent[], ...types: SerializedEvent['type'][]): SerializedEvent[] =>
  events.filter((event) => event.path.length === 0 && types.includes(event.type));
const ends = (events: readonly SerializedEvent[]): SerializedEvent[] => runLevel(events, 'run.completed', 'run.failed', 'run.cancelled');

/** The run ended with `status`: its record says so, and its events, numbered 0..n, end with the one terminal event matching it. */
async function expectEnded(
  store: RunStore,
  runId: string,
  status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>,
): Promise<readonly SerializedEvent[]> {
  const record = await store.getRun(runId);
  expect(record?.status).toBe(status);
  const events = await store.readEvents(runId);
  expect(seqs(events)).toEqual(range(events.length));
  expect(ends(events).map((event) => event.type)).toEqual([`run.${status}`]);
  expect(events.at(-1)?.type).toBe(`run.${status}`);
  return events;
}

/** A store that does what `store` does, except for the methods `overrides` replaces. */
function delegate(store: RunStore, overrides: Partial<RunStore>): RunStore {
  const methods = [
    'createRun',
    'updateRun',
    'getRun',
    'listRuns',
    'appendEvents',
    'readEvents',
    'claimRun',
    'answerRun',
    'renewLease',
    'requestCancel',
    'commitRun',
  ] as const;
  const bound = Object.fromEntries(methods.map((name) => [name, (store[name] as (...args: unknown[]) => unknown).bind(store)]));
  return { ...(bound as unknown as RunStore), checkpoints: store.checkpoints, ...overrides };
}

const uninterrupted = async (n: number): Promise<unknown[]> => (await counter().run(n)).outputs;

const directories: string[] = [];
const closers: (() => unknown)[] = [];
const freshFile = (): string => {
  const directory = mkdtempSync(join(tmpdir(), 'weft-runtime-'));
  directories.push(directory);
  return join(directory, 'weft.db');
};

afterEach(async () => {
  // Runtimes first (they stop their runs), then stores, then files.
  for (const close of closers.splice(0).reverse()) await close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

interface StoreKind {
  readonly name: string;
  create(): RunStore;
  /** A store over the same storage, as a new process opens it (the old one is left open, as a crash leaves it). */
  reopen(store: RunStore): RunStore;
}

const sqlite = (path: string): SqliteRunStore => {
  const store = openSqliteRunStore(path);
  closers.push(() => store.close());
  return store;
};

const postgres = (options: { readonly connectionString: string; readonly schema: string }): PostgresRunStore => {
  const store = new PostgresRunStore(options);
  closers.push(() => store.close());
  return store;
};

const kinds: readonly StoreKind[] = [
  { name: 'MemoryRunStore', create: () => new MemoryRunStore(), reopen: (store) => store },
  { name: 'SqliteRunStore', create: () => sqlite(freshFile()), reopen: (store) => sqlite((store as SqliteRunStore).database.name) },
  // Without Postgres in this run (see test/support/postgres-setup.ts), this kind is left out.
  ...(postgresUrl() === undefined
    ? []
    : [
        {
          name: 'PostgresRunStore',
          create: () => postgres(freshOptions()),
          reopen: (store: RunStore) => postgres({ connectionString: postgresUrl() as string, schema: (store as PostgresRunStore).schema }),
        },
      ]),
];

describe.each(kinds)('createRuntime over $name', (kind) => {
  let store: RunStore;

  beforeEach(() => {
    store = kind.create();
  });

  const start = (
    workflows: Record<string, Workflow<any, any, any>> = { counter: counter(), approval: approval(), echo: echo() },
    over: RunStore = store,
  ): Runtime => {
    const runtime = createRuntime({ workflows, store: over });
    closers.push(() => runtime.close());
    return runtime;
  };

  /** A run of `approval` that waits for its one answer. */
  const waitingRun = async (runtime: Runtime, text = 'ship it'): Promise<{ runId: string; requestId: string; record: RunRecord }> => {
    const { runId, run: result } = await runtime.invoke('approval', text, { wait: true });
    const record = result as RunRecord;
    return { runId, requestId: (record.pendingRequests[0] as { id: string }).id, record };
  };

  describe('invoke', () => {
    it('starts a run and returns its id at once; the run completes, its events ending in run.completed', async () => {
      const runtime = start();
      const started = await runtime.invoke('counter', 3);

      expect(Object.keys(started)).toEqual(['runId']);
      const events = await collect(runtime.events(started.runId));
      const record = await runtime.getRun(started.runId);
      expect(record).toMatchObject({
        id: started.runId,
        workflow: 'counter',
        status: 'completed',
        input: 3,
        outputs: await uninterrupted(3),
        pendingRequests: [],
        error: undefined,
      });
      expect(record?.updatedAt).toBeGreaterThanOrEqual(record?.createdAt as number);
      expect(record?.checkpointId).toBe((await store.checkpoints.latest(started.runId))?.id);
      expect(events).toStrictEqual(await expectEnded(store, started.runId, 'completed'));
      expect(events[0]).toMatchObject({ type: 'run.started', seq: 0, runId: started.runId, input: 3 });
    });

    it('with wait: true, resolves with the record of the ended run', async () => {
      const runtime = start();
      const { runId, run: result } = await runtime.invoke('counter', 2, { wait: true });

      expect(result).toStrictEqual(await runtime.getRun(runId));
      expect(result).toMatchObject({ status: 'completed', outputs: await uninterrupted(2) });
      await expectEnded(store, runId, 'completed');
    });

    it('with wait: true, resolves with a failed record when the run fails', async () => {
      const runtime = start();
      const { runId, run: result } = await runtime.invoke('echo', { fail: 'boom' }, { wait: true });

      expect(result).toMatchObject({ status: 'failed', error: { code: 'executor_failed', message: expect.stringContaining('boom') }, outputs: [] });
      expect(Object.keys(result?.error ?? {}).sort()).toEqual(['code', 'message', 'name']);
      const events = await expectEnded(store, runId, 'failed');
      expect(events.at(-1)).toMatchObject({
        type: 'run.failed',
        error: { name: expect.any(String), code: 'executor_failed', message: expect.stringContaining('boom') },
      });
    });

    it('refuses input the start executor rejects, or that is not plain JSON, with a WorkflowInputError, storing nothing', async () => {
      const runtime = start();

      await expect(runtime.invoke('counter', 'three')).rejects.toBeInstanceOf(WorkflowInputError);
      await expect(runtime.invoke('counter', -1)).rejects.toMatchObject({ code: 'workflow_input_invalid', executorId: 'step' });
      await expect(runtime.invoke('counter', 0, { wait: true })).rejects.toBeInstanceOf(WorkflowInputError);
      await expect(runtime.invoke('echo', { at: new Date(0) })).rejects.toThrow(/not plain JSON/);
      await expect(runtime.invoke('echo', { big: 1n })).rejects.toBeInstanceOf(WorkflowInputError);
      expect((await runtime.listRuns()).runs).toStrictEqual([]);
    });

    it('refuses an unknown workflow with a NotFoundError naming the known ones, storing nothing', async () => {
      const runtime = start();
      const error: unknown = await runtime.invoke('nope', 1).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ code: 'not_found', kind: 'workflow', id: 'nope' });
      expect((error as Error).message).toMatch(/"counter"/);
      expect((await runtime.listRuns()).runs).toStrictEqual([]);
    });
  });

  describe('getRun and listRuns', () => {
    it('gets a run by id, and undefined for an unknown one', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('counter', 1, { wait: true });

      expect((await runtime.getRun(runId))?.id).toBe(runId);
      expect(await runtime.getRun('no-such-run')).toBeUndefined();
    });

    it('lists runs newest first, by workflow and status, a page at a time', async () => {
      const runtime = start();
      const completed = [];
      for (let index = 0; index < 3; index++) completed.push((await runtime.invoke('counter', 1, { wait: true })).runId);
      const waiting = [(await waitingRun(runtime)).runId, (await waitingRun(runtime)).runId];
      const failed = (await runtime.invoke('echo', { fail: 'x' }, { wait: true })).runId;

      const all = (await runtime.listRuns({ limit: 500 })).runs;
      expect(all.map((run) => run.id).sort()).toEqual([...completed, ...waiting, failed].sort());
      const order = [...all].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      expect(all).toStrictEqual(order);
      const ids = async (query: Parameters<Runtime['listRuns']>[0]): Promise<string[]> => (await runtime.listRuns(query)).runs.map((run) => run.id);
      const where = (test: (run: RunSummary) => boolean): string[] => all.filter(test).map((run) => run.id);

      expect(await ids({ workflow: 'counter' })).toEqual(where((run) => run.workflow === 'counter'));
      expect(await ids({ status: 'waiting' })).toEqual(where((run) => run.status === 'waiting'));
      expect((await ids({ status: 'waiting' })).sort()).toEqual([...waiting].sort());
      expect(await ids({ workflow: 'echo', status: 'failed' })).toEqual([failed]);
      expect(await ids({ workflow: 'approval', status: 'completed' })).toEqual([]);

      const pages: RunSummary[][] = [];
      let cursor: string | undefined;
      do {
        const page = await runtime.listRuns({ limit: 4, ...(cursor === undefined ? {} : { cursor }) });
        pages.push([...page.runs]);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(pages.map((page) => page.length)).toEqual([4, 2]);
      expect(pages.flat()).toStrictEqual(all);
    });
  });

  describe('events', () => {
    it('replays the stored events, then follows the live ones: seq 0..n, no gaps, no duplicates', async () => {
      const held = holdAt(2);
      const runtime = start({ counter: counter(held.hold) });
      const { runId } = await runtime.invoke('counter', 4);
      const fromStart = collect(runtime.events(runId));
      await until(runtime.events(runId), 'superstep.completed');
      await held.reached;
      const storedSoFar = await store.readEvents(runId);

      const midway = collect(runtime.events(runId));
      held.release();
      const [first, second] = await Promise.all([fromStart, midway]);

      const all = await expectEnded(store, runId, 'completed');
      expect(all.length).toBeGreaterThan(storedSoFar.length);
      expect(first).toStrictEqual(all);
      expect(second).toStrictEqual(all);
    });

    it('replays every event and completes when subscribed after the run ended', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('counter', 3, { wait: true });

      const events = await collect(runtime.events(runId));
      expect(events).toStrictEqual(await expectEnded(store, runId, 'completed'));
    });

    it('starts after afterSeq, for an ended run and for a live one', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('counter', 3, { wait: true });
      const all = await store.readEvents(runId);

      expect(await collect(runtime.events(runId, { afterSeq: 3 }))).toStrictEqual(all.slice(4));
      expect(await collect(runtime.events(runId, { afterSeq: all.length - 1 }))).toStrictEqual([]);

      const held = holdAt(2);
      const live = start({ counter: counter(held.hold) });
      const second = await live.invoke('counter', 3);
      await held.reached;
      const tail = collect(live.events(second.runId, { afterSeq: 2 }));
      held.release();
      expect(await tail).toStrictEqual((await expectEnded(store, second.runId, 'completed')).slice(3));
    });

    it('stops at unsubscribe while the run goes on', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('counter', 3);

      expect(seqs(await firstValueFrom(runtime.events(runId).pipe(take(2), toArray())))).toEqual([0, 1]);
      await collect(runtime.events(runId));
      await expectEnded(store, runId, 'completed');
    });

    it('errors with a NotFoundError for an unknown run', async () => {
      const runtime = start();
      await expect(collect(runtime.events('no-such-run'))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('requests', () => {
    it('leaves a run that asks waiting, with its pending requests', async () => {
      const runtime = start();
      const { runId, record } = await waitingRun(runtime, 'ship it');

      expect(record).toMatchObject({
        status: 'waiting',
        outputs: [],
        error: undefined,
        pendingRequests: [{ executorId: 'ask', payload: { text: 'ship it' } }],
      });
      expect(record.pendingRequests).toHaveLength(1);
      expect(record.checkpointId).toBe((await store.checkpoints.latest(runId))?.id);
      const events = await store.readEvents(runId);
      expect(ends(events)).toEqual([]);
      expect(runLevel(events, 'run.waiting')).toMatchObject([{ requests: record.pendingRequests }]);
      expect(seqs(events)).toEqual(range(events.length));
    });

    it('refuses an answer its schema rejects, or to an unknown request, with a RequestError; the run stays waiting and can then be answered', async () => {
      const runtime = start();
      const { runId, requestId, record } = await waitingRun(runtime);
      const before = await store.readEvents(runId);

      const invalid: unknown = await runtime.respond(runId, requestId, { approved: 'yes' }).catch((caught: unknown) => caught);
      expect(invalid).toBeInstanceOf(RequestError);
      expect(invalid).toMatchObject({ code: 'request_invalid', reason: 'invalid_response' });
      await expect(runtime.respond(runId, 'no-such-request', { approved: true })).rejects.toMatchObject({ reason: 'unknown_request' });
      expect(await runtime.getRun(runId)).toStrictEqual(record);
      expect(await store.readEvents(runId)).toStrictEqual(before);

      await runtime.respond(runId, requestId, { approved: true });
      await collect(runtime.events(runId));
      expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['ship it: approved'], pendingRequests: [] });
      await expectEnded(store, runId, 'completed');
    });

    it('refuses to answer a run that is not waiting with run_not_waiting, and an unknown run with NotFoundError', async () => {
      const held = holdAt(1);
      const runtime = start({ counter: counter(held.hold), approval: approval() });
      const running = await runtime.invoke('counter', 2);
      await held.reached;
      const answered = await waitingRun(runtime);
      await runtime.respond(answered.runId, answered.requestId, { approved: true });
      await collect(runtime.events(answered.runId));

      for (const runId of [running.runId, answered.runId]) {
        const error: unknown = await runtime.respond(runId, answered.requestId, { approved: true }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(RequestError);
        expect(error).toMatchObject({ reason: 'run_not_waiting', runId });
      }
      await expect(runtime.respond('no-such-run', 'r', true)).rejects.toBeInstanceOf(NotFoundError);
      held.release();
      await collect(runtime.events(running.runId));
      await expectEnded(store, running.runId, 'completed');
    });

    it('continues a run when answered: its events go on from the next seq to the end', async () => {
      const runtime = start();
      const { runId, requestId, record } = await waitingRun(runtime, 'merge');
      const before = await store.readEvents(runId);
      const follower = collect(runtime.events(runId));

      await runtime.respond(runId, requestId, { approved: false });

      const events = await follower;
      expect(events).toStrictEqual(await expectEnded(store, runId, 'completed'));
      expect(events.slice(0, before.length)).toStrictEqual(before);
      expect(events[before.length]).toMatchObject({ type: 'run.resumed', seq: before.length, resumedFrom: record.checkpointId });
      expect(runLevel(events, 'run.started')).toHaveLength(1);
      expect(runLevel(events, 'run.resumed')).toHaveLength(1);
      expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['merge: rejected'] });
    });

    it('takes an answer given as soon as run.waiting is seen', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('approval', 'fast');
      const waiting = await until(runtime.events(runId), 'run.waiting');

      expect((await runtime.getRun(runId))?.status).toBe('waiting'); // stored before it was emitted
      await runtime.respond(runId, (waiting.requests[0] as { id: string }).id, { approved: true });
      await collect(runtime.events(runId));
      expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['fast: approved'] });
    });

    it('lets one of two simultaneous answers through and refuses the other', async () => {
      const runtime = start();
      const { runId, requestId } = await waitingRun(runtime, 'race');

      const outcomes = await Promise.allSettled([
        runtime.respond(runId, requestId, { approved: true }),
        runtime.respond(runId, requestId, { approved: false }),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ reason: 'run_not_waiting' });
      await collect(runtime.events(runId));
      expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['race: approved'] });
      expect(runLevel(await expectEnded(store, runId, 'completed'), 'run.started', 'run.resumed')).toHaveLength(2);
    });

    it('keeps an answer taken just before the runtime closed: the next runtime delivers it', async () => {
      // The same store, except that reading a checkpoint can be held: respond is then between accepting and continuing.
      const reading = deferred();
      const gate = deferred();
      let holdReads = false;
      const checkpoints = store.checkpoints;
      const held: RunStore = delegate(store, {
        checkpoints: {
          save: (checkpoint) => checkpoints.save(checkpoint),
          get: async (id) => {
            if (holdReads) {
              reading.resolve();
              await gate.promise;
            }
            return checkpoints.get(id);
          },
          list: (runId) => checkpoints.list(runId),
          latest: (runId) => checkpoints.latest(runId),
          deleteRun: (runId) => checkpoints.deleteRun(runId),
        },
      });
      const runtime = start(undefined, held);
      const { runId, requestId, record } = await waitingRun(runtime);
      const before = await store.readEvents(runId);
      holdReads = true;

      const answer = runtime.respond(runId, requestId, { approved: true });
      await reading.promise;
      await runtime.close();
      gate.resolve();

      await answer;
      expect(await store.getRun(runId)).toMatchObject({ ...record, status: 'running', updatedAt: expect.any(Number) });
      expect(await store.readEvents(runId)).toStrictEqual(before);
      const next = start(undefined, kind.reopen(store));
      await expect(next.respond(runId, requestId, { approved: false })).rejects.toMatchObject({ reason: 'run_not_waiting' });
      expect(await next.recover()).toEqual([runId]);
      await collect(next.events(runId));
      expect(await next.getRun(runId)).toMatchObject({ status: 'completed', outputs: ['ship it: approved'] });
    });
  });

  describe('cancel', () => {
    it('cancels a running run: cancelled, with exactly one terminal event', async () => {
      const held = holdAt(2);
      const runtime = start({ counter: counter(held.hold) });
      const { runId } = await runtime.invoke('counter', 4);
      await held.reached;
      const follower = collect(runtime.events(runId));

      const record = await runtime.cancel(runId);

      expect(record).toMatchObject({ id: runId, status: 'cancelled', pendingRequests: [] });
      expect(await runtime.getRun(runId)).toStrictEqual(record);
      const events = await follower;
      expect(events).toStrictEqual(await expectEnded(store, runId, 'cancelled'));
      expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'cancelled' });

      held.release(); // the abandoned handler returns into nothing
      expect(await runtime.cancel(runId)).toStrictEqual(record);
      await expect(runtime.respond(runId, 'r', true)).rejects.toMatchObject({ reason: 'run_not_waiting' });
      expect(await store.readEvents(runId)).toStrictEqual(events);
    });

    it('cancels a waiting run: its event continues the seq and its pending requests are gone', async () => {
      const runtime = start();
      const { runId, requestId } = await waitingRun(runtime);
      const before = await store.readEvents(runId);
      const follower = collect(runtime.events(runId));

      const record = await runtime.cancel(runId);

      expect(record).toMatchObject({ status: 'cancelled', pendingRequests: [] });
      const events = await follower;
      expect(events).toStrictEqual(await expectEnded(store, runId, 'cancelled'));
      expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', seq: before.length, path: [], superstep: before.at(-1)?.superstep });
      await expect(runtime.respond(runId, requestId, { approved: true })).rejects.toMatchObject({ reason: 'run_not_waiting' });
    });

    it('cancels a run as soon as run.waiting is seen', async () => {
      const runtime = start();
      const { runId } = await runtime.invoke('approval', 'now');
      await until(runtime.events(runId), 'run.waiting');

      expect(await runtime.cancel(runId)).toMatchObject({ status: 'cancelled' });
      await expectEnded(store, runId, 'cancelled');
    });

    it('resumes a cancelled waiting run: it waits again, and its answer completes it (the cancel that stopped it is spent)', async () => {
      const runtime = start();
      const { runId } = await waitingRun(runtime);
      expect(await runtime.cancel(runId)).toMatchObject({ status: 'cancelled' });
      const cancelledAt = (await store.readEvents(runId)).length;

      await runtime.resume(runId); // the events of a run that has ended complete: follow it once it is reopened
      const waitingAgain = firstValueFrom(runtime.events(runId).pipe(filter((event) => event.type === 'run.waiting' && event.seq > cancelledAt)));

      await waitingAgain;
      const reopened = (await store.getRun(runId)) as RunRecord;
      expect(reopened.status).toBe('waiting');

      await runtime.respond(runId, (reopened.pendingRequests[0] as { id: string }).id, { approved: true });
      const ended = firstValueFrom(
        runtime.events(runId).pipe(filter((event) => event.seq > cancelledAt && (event.type === 'run.completed' || event.type === 'run.cancelled'))),
      );
      expect((await ended).type).toBe('run.completed');
      expect((await store.getRun(runId))?.status).toBe('completed');
    });

    it('leaves an ended run as it is, and refuses an unknown run with NotFoundError', async () => {
      const runtime = start();
      const { runId, run: result } = await runtime.invoke('counter', 1, { wait: true });
      const events = await store.readEvents(runId);

      expect(await runtime.cancel(runId)).toStrictEqual(result);
      expect(await store.readEvents(runId)).toStrictEqual(events);
      await expect(runtime.cancel('no-such-run')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('recover', () => {
    it('continues a run a stopped runtime left running, from its latest checkpoint, as if never interrupted', async () => {
      const held = holdAt(3);
      const first = start({ counter: counter(held.hold) });
      const { runId } = await first.invoke('counter', 5);
      await held.reached;
      await first.close(); // the crash: nothing more is written for this run
      held.release();
      const stopped = await store.readEvents(runId);
      expect((await store.getRun(runId))?.status).toBe('running');
      expect(ends(stopped)).toEqual([]);

      const reopened = kind.reopen(store);
      const ran: number[] = [];
      const second = start({ counter: counter((superstep) => void ran.push(superstep)) }, reopened);
      const follower = collect(second.events(runId)); // subscribed before recover: woken by it
      expect(await second.recover()).toEqual([runId]);

      const events = await follower;
      expect(await second.getRun(runId)).toMatchObject({ status: 'completed', outputs: await uninterrupted(5), error: undefined });
      expect(ran).toEqual([3, 4, 5]); // superstep 3 again (it never committed), nothing before it
      expect(events).toStrictEqual(await expectEnded(reopened, runId, 'completed'));
      expect(events.slice(0, stopped.length)).toStrictEqual(stopped);
      const starts = runLevel(events, 'run.started', 'run.resumed');
      expect(starts).toHaveLength(2);
      expect(starts[1]).toMatchObject({ type: 'run.resumed', seq: stopped.length, resumedFrom: expect.any(String) });
      expect(events.filter((event) => event.type === 'output').map((event) => (event as { value: unknown }).value)).toEqual(await uninterrupted(5));
    });

    it('stops a run whose events cannot be stored, leaves it running, and a later recover() completes it', async () => {
      const broken = { on: false };
      const failing: RunStore = delegate(store, {
        commitRun: (lease, commit) =>
          broken.on && commit.events.length > 0 ? Promise.reject(new Error('disk full')) : store.commitRun(lease, commit),
      });
      const held = holdAt(3);
      const reported = deferred<{ error: unknown; runId: string }>();
      const first = createRuntime({
        workflows: { counter: counter(held.hold) },
        store: failing,
        onStoreError: (error, runId) => reported.resolve({ error, runId }),
      });
      closers.push(() => first.close());
      const { runId } = await first.invoke('counter', 5);
      await held.reached;
      broken.on = true;
      held.release();
      const { error, runId: failedRun } = await reported.promise;
      expect(failedRun).toBe(runId);
      expect((error as Error).message).toBe('disk full');
      await first.close();
      expect((await store.getRun(runId))?.status).toBe('running'); // not marked: nothing claims it ended

      const second = start({ counter: counter() });
      expect(await second.recover()).toEqual([runId]);
      await collect(second.events(runId));
      expect(await second.getRun(runId)).toMatchObject({ status: 'completed', outputs: await uninterrupted(5) });
    });

    it('a holder whose lease another process took stops driving the run and ends its activation: its followers go on with the new holder', async () => {
      const held = holdAt(2);
      const first = createRuntime({ workflows: { counter: counter(held.hold) }, store, leaseMs: 3_000 });
      closers.push(() => first.close());
      const { runId } = await first.invoke('counter', 4);
      await held.reached;
      const follower = collect(first.events(runId));
      // Another process, whose clock is past the lease, takes the run over and completes it.
      const second = createRuntime({
        workflows: { counter: counter() },
        store: kind.reopen(store),
        leaseMs: 3_000,
        clock: () => Date.now() + 60_000,
      });
      closers.push(() => second.close());
      expect(await second.recover()).toEqual([runId]);
      // The first runtime's next renewal (a third of the lease later) finds the lease taken: it drops the run, and its
      // follower reads on from the store.
      const events = await follower;
      expect(events).toStrictEqual(await expectEnded(store, runId, 'completed'));
      expect(await first.getRun(runId)).toMatchObject({ status: 'completed', outputs: await uninterrupted(4) });
      held.release(); // the abandoned handler returns into nothing
      expect(await first.recover()).toEqual([]);
    });

    it('a holder that cannot renew its lease before it expires stops driving the run, writing nothing more', async () => {
      const aborted = deferred<unknown>();
      const entered = deferred();
      const park = executor({
        id: 'park',
        input: z.number(),
        output: z.number(),
        handle: (n, ctx) => {
          if (n === 0) return ctx.send(1);
          entered.resolve();
          // Held until the run stops it (bounded by the test's timeout).
          return new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => (aborted.resolve(ctx.signal.reason), resolve()), { once: true }),
          );
        },
      });
      const parked = new WorkflowBuilder({ name: 'parked', start: park }).addEdge(park, park).build();
      let offset = 0;
      const failing = delegate(store, { renewLease: () => Promise.reject(new Error('connection refused')) });
      const first = createRuntime({ workflows: { parked }, store: failing, leaseMs: 3_000, clock: () => Date.now() + offset });
      closers.push(() => first.close());
      const { runId } = await first.invoke('parked', 0);
      await entered.promise;
      const stored = await store.readEvents(runId);
      offset = 10_000; // this process's clock passes the lease while no renewal gets through
      await aborted.promise;
      expect(await store.readEvents(runId)).toStrictEqual(stored); // nothing more was written
      expect((await store.getRun(runId))?.status).toBe('running'); // and nothing claims it ended: a recover() continues it
    });

    it('restarts a run left running before its first checkpoint from its input', async () => {
      await store.createRun({
        id: 'orphan',
        workflow: 'counter',
        status: 'running',
        input: 3,
        outputs: [],
        pendingRequests: [],
        error: undefined,
        checkpointId: undefined,
        createdAt: 1,
        updatedAt: 1,
      });
      const runtime = start();

      expect(await runtime.recover()).toEqual(['orphan']);
      const events = await collect(runtime.events('orphan'));
      expect(await runtime.getRun('orphan')).toMatchObject({ status: 'completed', outputs: await uninterrupted(3) });
      expect(events).toStrictEqual(await expectEnded(store, 'orphan', 'completed'));
      expect(runLevel(events, 'run.started')).toMatchObject([{ seq: 0, input: 3 }]);
      expect(events[0]).not.toHaveProperty('resumedFrom');
    });

    it('only marks a run stopped after storing its terminal event but not its status', async () => {
      await store.createRun(runningRecord('ended', 'counter'));
      const stored = [
        { type: 'run.started', runId: 'ended', seq: 0, superstep: 0, path: [], at: 1, workflow: 'counter', signature: 's', input: 1 },
        { type: 'run.completed', runId: 'ended', seq: 1, superstep: 1, path: [], at: 2, outputs: ['step 1/1'] },
      ] as SerializedEvent[];
      await store.appendEvents('ended', stored);
      const runtime = start();

      expect(await runtime.recover()).toEqual(['ended']);
      expect(await runtime.getRun('ended')).toMatchObject({ status: 'completed', outputs: ['step 1/1'] });
      expect(await expectEnded(store, 'ended', 'completed')).toStrictEqual(stored);
      expect(await collect(runtime.events('ended'))).toStrictEqual(stored);
    });

    it('leaves alone runs that ended, wait, are live here, or belong to workflows it does not serve', async () => {
      const held = holdAt(1);
      const runtime = start({ counter: counter(held.hold), approval: approval(), echo: echo() });
      const ended = (await runtime.invoke('echo', 'done', { wait: true })).runId;
      const waiting = (await waitingRun(runtime)).runId;
      const live = (await runtime.invoke('counter', 2)).runId;
      await held.reached;
      await store.createRun({
        id: 'foreign',
        workflow: 'served-elsewhere',
        status: 'running',
        input: null,
        outputs: [],
        pendingRequests: [],
        error: undefined,
        checkpointId: undefined,
        createdAt: 1,
        updatedAt: 1,
      });
      const snapshot = (): Promise<unknown[]> =>
        Promise.all([ended, waiting, 'foreign'].map(async (id) => [await store.getRun(id), await store.readEvents(id)]));
      const before = await snapshot();

      expect(await runtime.recover()).toEqual([]);

      expect(await snapshot()).toStrictEqual(before);
      held.release();
      await collect(runtime.events(live));
      expect(runLevel(await expectEnded(store, live, 'completed'), 'run.started')).toHaveLength(1);
      expect((await store.getRun('foreign'))?.status).toBe('running');
    });
  });

  describe('close', () => {
    it('stores what the runs emitted, completes the followers, and refuses new work', async () => {
      const held = holdAt(2);
      const runtime = start({ counter: counter(held.hold) });
      const { runId } = await runtime.invoke('counter', 3);
      const follower = collect(runtime.events(runId));
      await held.reached;

      await runtime.close();

      const events = await follower;
      expect(events).toStrictEqual(await store.readEvents(runId));
      expect(seqs(events)).toEqual(range(events.length));
      expect(ends(events)).toEqual([]);
      expect((await runtime.getRun(runId))?.status).toBe('running');
      await expect(runtime.invoke('counter', 1)).rejects.toThrow(/closed/);
      await expect(runtime.recover()).rejects.toThrow(/closed/);
      expect(await collect(runtime.events(runId))).toStrictEqual(events);
      held.release();
    });
  });

  it('brings every accepted run to exactly one terminal status', async () => {
    const heldForCancel = holdAt(1);
    const heldForCrash = holdAt(2);
    let mode: 'free' | 'cancel' | 'crash' = 'free';
    const first = start({
      counter: counter((superstep) =>
        mode === 'cancel' ? heldForCancel.hold(superstep) : mode === 'crash' ? heldForCrash.hold(superstep) : undefined,
      ),
      approval: approval(),
      echo: echo(),
    });
    const completed = (await first.invoke('counter', 2, { wait: true })).runId;
    const failed = (await first.invoke('echo', { fail: 'no' }, { wait: true })).runId;
    mode = 'cancel';
    const cancelledRunning = (await first.invoke('counter', 2)).runId;
    await heldForCancel.reached;
    await first.cancel(cancelledRunning);
    const cancelledWaiting = (await waitingRun(first)).runId;
    await first.cancel(cancelledWaiting);
    const answered = await waitingRun(first);
    await first.respond(answered.runId, answered.requestId, { approved: true });
    await collect(first.events(answered.runId));
    mode = 'crash';
    const crashed = (await first.invoke('counter', 3)).runId;
    await heldForCrash.reached;
    await first.close();

    const reopened = kind.reopen(store);
    const second = start({ counter: counter(), approval: approval(), echo: echo() }, reopened);
    expect(await second.recover()).toEqual([crashed]);
    await collect(second.events(crashed));

    const expected: [string, 'completed' | 'failed' | 'cancelled'][] = [
      [completed, 'completed'],
      [failed, 'failed'],
      [cancelledRunning, 'cancelled'],
      [cancelledWaiting, 'cancelled'],
      [answered.runId, 'completed'],
      [crashed, 'completed'],
    ];
    for (const [runId, status] of expected) await expectEnded(reopened, runId, status);
    expect((await second.listRuns({ status: 'running' })).runs).toStrictEqual([]);
    expect((await second.listRuns({ status: 'waiting' })).runs).toStrictEqual([]);
    expect((await second.listRuns()).runs).toHaveLength(expected.length);
    heldForCancel.release();
    heldForCrash.release();
  });
});

// A child process: its start-up is many times slower on a loaded machine, so only a hang reaches this timeout.
describe('createRuntime over SqliteRunStore, when its process is killed', { timeout: 300_000 }, () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const worker = compiled(new URL('./crash-worker.ts', import.meta.url).href);

  /** Runs the worker and SIGKILLs it as soon as it reports superstep `killAfter` committed. */
  async function runAndKill(
    file: string,
    n: number,
    killAfter: number,
    parkAt: number,
  ): Promise<{ reports: CrashReport[]; signal: NodeJS.Signals | null; stderr: string }> {
    return runReporting<CrashReport>(
      await worker,
      [file, String(n), String(parkAt)],
      root,
      (report) => report.type === 'superstep' && report.superstep >= killAfter,
    );
  }

  it('recovers the run in a new process from the same file: it completes with the outputs of an uninterrupted run', async () => {
    const file = freshFile();
    const killed = await runAndKill(file, 8, 2, 5);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const invoked = killed.reports.find((report) => report.type === 'invoked');
    expect(invoked).toBeDefined();
    const runId = (invoked as { runId: string }).runId;

    const store = sqlite(file);
    const stopped = await store.readEvents(runId);
    expect((await store.getRun(runId))?.status).toBe('running');
    expect(ends(stopped)).toEqual([]);
    // Every superstep the child reported was stored before it was reported.
    for (const report of killed.reports)
      if (report.type === 'superstep') expect(stopped[report.seq]).toMatchObject({ type: 'superstep.completed', superstep: report.superstep });

    // The killed process's lease has not expired yet: a process whose clock is past it takes the run over.
    expect(await createRuntime({ workflows: { counter: counter() }, store }).recover()).toEqual([]);
    const runtime = createRuntime({ workflows: { counter: counter() }, store, clock: () => Date.now() + 60_000 });
    closers.push(() => runtime.close());
    expect(await runtime.recover()).toEqual([runId]);
    const events = await collect(runtime.events(runId));

    expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: await uninterrupted(8) });
    expect(events).toStrictEqual(await expectEnded(store, runId, 'completed'));
    expect(events.slice(0, stopped.length)).toStrictEqual(stopped);
    expect(runLevel(events, 'run.started', 'run.resumed').map((event) => event.type)).toEqual(['run.started', 'run.resumed']);
  });
});
