// Several real processes on one store (DESIGN.md §7, §8): answers taken once, runs driven by one process at a time,
// runs of a process that died taken over once, and one transaction per superstep. Every case runs on a SQLite file and
// on a Postgres database (when this run has one). Each process is a worker (worker.ts); the test waits for the lines
// they print, never for a time.
import { createRuntime, type RunStore, type SerializedEvent, type StoredCheckpoint } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { openSqliteRunStore } from 'weft/sqlite';
import { afterEach, describe, expect, test } from 'vitest';
import { freshDatabase, postgresUrl } from '../support/postgres-inject.js';
import { effectsIn, killWorkers, reportsOf, untilAll, worker, workspace } from './helpers.js';
import type { WorkerReport } from './worker.js';
import { steps } from './workflows.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  killWorkers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store the test reads what the workers wrote with (and, in one case, drives a run on). */
type Inspected = RunStore & { readonly checkpoints: { latest(runId: string): Promise<StoredCheckpoint | undefined> } };

/** Where the processes of one case meet: a fresh SQLite file or a fresh Postgres database, and an effects file. */
interface Backend {
  readonly name: string;
  /** Undefined when this run cannot use the backend (no Postgres). */
  readonly skip: string | undefined;
  fresh(): Promise<{ readonly db: string; readonly effects: string }>;
  open(db: string): Inspected;
}

const space = (): ReturnType<typeof workspace> => {
  const made = workspace();
  cleanups.push(made.remove);
  return made;
};

const backends: readonly Backend[] = [
  {
    name: 'a SQLite file',
    skip: undefined,
    fresh: async () => space(),
    open: (db) => {
      const store = openSqliteRunStore(db);
      cleanups.push(() => store.close());
      return store;
    },
  },
  {
    name: 'a Postgres database',
    skip: postgresUrl() === undefined ? 'no Postgres in this run' : undefined,
    fresh: async () => ({ db: await freshDatabase(postgresUrl() as string), effects: space().effects }),
    open: (db) => {
      const store = new PostgresRunStore({ connectionString: db });
      cleanups.push(() => store.close());
      return store;
    },
  },
];

const ended = (report: WorkerReport): report is Extract<WorkerReport, { type: 'ended' }> => report.type === 'ended';
const invoked = (report: WorkerReport): report is Extract<WorkerReport, { type: 'invoked' }> => report.type === 'invoked';
const held = (report: WorkerReport): report is Extract<WorkerReport, { type: 'held' }> => report.type === 'held';
const recovered = (report: WorkerReport): report is Extract<WorkerReport, { type: 'recovered' }> => report.type === 'recovered';

/** A run's stored log is clean: seq 0..n, every superstep's events once, one terminal event, last. */
async function expectCleanLog(store: RunStore, runId: string): Promise<readonly SerializedEvent[]> {
  const events = await store.readEvents(runId);
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  const completed = events.filter((event) => event.type === 'superstep.completed').map((event) => event.superstep);
  expect(completed).toEqual([...new Set(completed)]);
  const outputs = events.flatMap((event) => (event.type === 'output' ? [event.value] : []));
  expect(outputs).toEqual([...new Set(outputs)]);
  expect(events.filter((event) => ['run.completed', 'run.failed', 'run.cancelled'].includes(event.type))).toHaveLength(1);
  expect(events.at(-1)?.type).toBe('run.completed');
  return events;
}

describe.each(backends)('many processes on $name', (backend) => {
  const it = backend.skip === undefined ? test : test.skip;

  it('takes exactly one of two answers to the same approval sent at once to two servers, over 30 rounds', async () => {
    const { db, effects } = await backend.fresh();
    const servers = [worker('serve', { db, effects, leaseMs: 2000 }), worker('serve', { db, effects, leaseMs: 2000 })];
    const [a, b] = await Promise.all(
      servers.map(async (server) => ((await server.next((report) => report.type === 'listening')) as { url: string }).url),
    );
    const post = (url: string, path: string, body: unknown): Promise<Response> =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const statuses: number[][] = [];
    const runIds: string[] = [];
    for (let round = 0; round < 30; round++) {
      const invokedOn = round % 2 === 0 ? a : b;
      const created = (await (await post(invokedOn as string, '/workflows/refund', { input: { order: round, amount: 10 }, wait: true })).json()) as {
        runId: string;
        run: { status: string; pendingRequests: { id: string }[] };
      };
      expect(created.run.status).toBe('waiting');
      const requestId = created.run.pendingRequests[0]?.id as string;
      const answers = await Promise.all(
        [a, b].map((url) => post(url as string, `/runs/${created.runId}/responses`, { requestId, value: { approved: true } })),
      );
      statuses.push(answers.map((answer) => answer.status).sort());
      for (const answer of answers)
        if (answer.status === 409) expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('run_not_waiting');
      runIds.push(created.runId);
    }

    expect(statuses).toEqual(Array.from({ length: 30 }, () => [202, 409]));
    // Every run ends completed; the follower on server a reads the runs b drives from the store.
    for (const runId of runIds) {
      const response = await fetch(`${a}/runs/${runId}/events`);
      await response.text(); // the stream ends once the run has ended
      expect(((await (await fetch(`${a}/runs/${runId}`)).json()) as { run: { status: string } }).run.status).toBe('completed');
    }
    const payments = effectsIn(effects).map((effect) => effect.what);
    expect(payments.sort()).toEqual(Array.from({ length: 30 }, (_, order) => `pay ${order}`).sort());
    expect(((await (await fetch(`${b}/runs?status=running`)).json()) as { runs: unknown[] }).runs).toEqual([]);
  });

  it('leaves the runs a live process drives to it when a second process recovers, and each side effect runs once', async () => {
    const { db, effects } = await backend.fresh();
    const first = worker('drive', { db, effects, leaseMs: 3000, runs: 20 });
    const runIds = (await reportsOf(first, 20, held)).map((report) => report.runId);

    // The second process starts while the first holds all 20 runs mid-way, and keeps looking every half lease.
    const second = worker('recover', { db, effects, leaseMs: 3000 });
    expect((await second.next(recovered)).runIds).toEqual([]);
    first.writeLine('go');

    const ends = await reportsOf(first, 20, ended);
    expect(ends.map((end) => end.status)).toEqual(Array.from({ length: 20 }, () => 'completed'));
    expect(second.reports.filter(recovered).flatMap((report) => report.runIds)).toEqual([]);
    const done = effectsIn(effects);
    expect(done.map((effect) => `${effect.runId} ${effect.superstep}`).sort()).toEqual(
      runIds.flatMap((runId) => [1, 2, 3, 4].map((superstep) => `${runId} ${superstep}`)).sort(),
    );
    expect(new Set(done.map((effect) => effect.pid))).toEqual(new Set([first.child.pid]));
    const store = backend.open(db);
    for (const runId of runIds) await expectCleanLog(store, runId);
  });

  it('shares out the runs of a process that died among the others once their leases expire: each taken by one, each side effect once', async () => {
    const { db, effects } = await backend.fresh();
    // A lease that a live process renews in time even on a loaded machine (a renewal that comes late loses the run).
    const leaseMs = 3000;
    const first = worker('drive', { db, effects, leaseMs, runs: 20 });
    const runIds = (await reportsOf(first, 20, held)).map((report) => report.runId);
    const others = [worker('recover', { db, effects, leaseMs }), worker('recover', { db, effects, leaseMs })];
    await Promise.all(others.map((other) => other.next(recovered)));

    first.child.kill('SIGKILL');
    await first.done;
    // Between them the two others end all 20 runs (each reports only the runs it took over).
    await untilAll(others, () => others.reduce((sum, each) => sum + each.reports.filter(ended).length, 0) >= 20);

    const ends = others.flatMap((other) => other.reports.filter(ended));
    expect(ends.map((end) => end.status)).toEqual(Array.from({ length: 20 }, () => 'completed'));
    expect(ends.map((end) => end.runId).sort()).toEqual([...runIds].sort());
    const store = backend.open(db);
    for (const runId of runIds) await expectCleanLog(store, runId);
    // Supersteps 1 and 2 ran in the first process (2 held before its side effect); 2 to 4 in another; none twice.
    const done = effectsIn(effects);
    expect(done.map((effect) => `${effect.runId} ${effect.superstep}`).sort()).toEqual(
      runIds.flatMap((runId) => [1, 2, 3, 4].map((superstep) => `${runId} ${superstep}`)).sort(),
    );
    const takenBy = others.map((other) => other.reports.filter(recovered).flatMap((report) => report.runIds));
    expect(takenBy.flat().sort()).toEqual([...runIds].sort()); // every run taken over, none by both
    // Each run's supersteps 2 to 4 ran in the one process that took it over.
    for (const [index, other] of others.entries())
      for (const runId of takenBy[index] as string[])
        expect(new Set(done.filter((effect) => effect.runId === runId && effect.superstep >= 2).map((effect) => effect.pid))).toEqual(
          new Set([other.child.pid]),
        );
  });

  it('stores every event once when the process dies inside the transaction that commits a superstep', async () => {
    const { db, effects } = await backend.fresh();
    const crashing = worker('crash', { db, effects, leaseMs: 1000, dieAt: 3 });
    const { runId } = await crashing.next(invoked);
    const exit = await crashing.done;
    expect(exit.signal, exit.stderr).toBe('SIGKILL');

    const store = backend.open(db);
    const left = await store.readEvents(runId);
    // Nothing of superstep 3 was stored: the log ends with the commit of superstep 2.
    expect(left.filter((event) => event.superstep >= 3 && event.type !== 'checkpoint.saved')).toEqual([]);
    expect(left.filter((event) => event.type === 'superstep.completed').map((event) => event.superstep)).toEqual([1, 2]);
    expect((await store.checkpoints.latest(runId))?.superstep).toBe(2);

    // Another process (here, this one, with a clock past the dead one's lease) continues the run.
    const runtime = createRuntime({ workflows: { steps: steps(effects) }, store, clock: () => Date.now() + 60_000 });
    cleanups.push(() => runtime.close());
    expect(await runtime.recover()).toEqual([runId]);
    await new Promise<void>((resolve, reject) => runtime.events(runId).subscribe({ complete: resolve, error: reject }));

    const events = await expectCleanLog(store, runId);
    expect(events.flatMap((event) => (event.type === 'output' ? [event.value] : []))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.slice(0, left.length)).toEqual(left);
    expect(events.filter((event) => event.type === 'run.started' || event.type === 'run.resumed').map((event) => event.type)).toEqual([
      'run.started',
      'run.resumed',
    ]);
  });
});
