// Live events across nodes: a follower on node B sees the events of a run driven on node A as they happen. Two nodes
// here are two runtimes, each on a store with its own pool, over one schema.
import pg from 'pg';
import { filter, firstValueFrom, toArray, type Observable } from 'rxjs';
import { createRuntime, type Runtime, type SerializedEvent } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { afterEach, expect, it } from 'vitest';
import { counter, type Hold } from '../service/workflows.js';
import { deferred } from '../support/async.js';
import { describePostgres, freshOptions } from '../support/postgres-inject.js';
import { runningRecord } from '../support/run-record.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const node = (options: ConstructorParameters<typeof PostgresRunStore>[0], hold?: Hold): { store: PostgresRunStore; runtime: Runtime } => {
  const store = new PostgresRunStore(options);
  const runtime = createRuntime({ workflows: { counter: counter(hold) }, store });
  closers.push(() => store.close());
  closers.push(() => runtime.close());
  return { store, runtime };
};

const collect = (events: Observable<SerializedEvent>): Promise<SerializedEvent[]> => firstValueFrom(events.pipe(toArray()));
const completedSuperstep = (events: Observable<SerializedEvent>, superstep: number): Promise<SerializedEvent> =>
  firstValueFrom(events.pipe(filter((event) => event.type === 'superstep.completed' && event.path.length === 0 && event.superstep === superstep)));

/** Two stores over one fresh schema, as two nodes would open it, closed after the test; `b` looks every `pollInterval` ms. */
function twoStores(pollInterval: number): { options: ReturnType<typeof freshOptions>; a: PostgresRunStore; b: PostgresRunStore } {
  const options = freshOptions();
  const a = new PostgresRunStore(options);
  const b = new PostgresRunStore({ ...options, pollInterval });
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  return { options, a, b };
}

/**
 * Watches `runId` on `store` until the test ends, once the watch has told its first time (it may tell when its LISTEN
 * is set up: a change could have slipped in before). `toldOf(change)` resolves once the watch tells after `change`.
 */
async function watching(
  store: PostgresRunStore,
  runId: string,
): Promise<{ readonly count: () => number; stop(): void; toldOf(change: () => Promise<unknown>): Promise<void> }> {
  let told = deferred();
  let count = 0;
  const stop = store.watch(runId, () => {
    count += 1;
    told.resolve();
  });
  closers.push(async () => stop());
  await told.promise;
  return {
    count: () => count,
    stop,
    async toldOf(change) {
      told = deferred();
      await change();
      await told.promise;
    },
  };
}

describePostgres('live events across nodes (PostgresRunStore)', () => {
  it('a follower on node B sees the events of a run driven on node A while it runs, each once and in order', async () => {
    const options = freshOptions();
    const reached = deferred();
    const gate = deferred();
    const a = node(options, (superstep) => {
      if (superstep !== 3) return undefined;
      reached.resolve();
      return gate.promise;
    });
    const b = node({ ...options, pollInterval: 60_000 }); // a long poll: only NOTIFY can deliver in time

    const { runId } = await a.runtime.invoke('counter', 4);
    const following = b.runtime.events(runId);
    const all = collect(following);
    // Node A is held inside superstep 3, so what B sees of superstep 2 was delivered live, not read at the end.
    await reached.promise;
    expect(await completedSuperstep(following, 2)).toMatchObject({ type: 'superstep.completed', superstep: 2, runId });
    expect((await b.store.getRun(runId))?.status).toBe('running');

    gate.resolve();
    const events = await all;
    expect(events).toStrictEqual(await a.store.readEvents(runId));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('a follower that joins late gets the stored events first, then the live ones', async () => {
    const options = freshOptions();
    const reached = deferred();
    const gate = deferred();
    const a = node(options, (superstep) => {
      if (superstep !== 2) return undefined;
      reached.resolve();
      return gate.promise;
    });
    const b = node(options);
    const { runId } = await a.runtime.invoke('counter', 3);
    await reached.promise;

    const all = collect(b.runtime.events(runId, { afterSeq: 0 }));
    gate.resolve();
    const events = await all;
    expect(events).toStrictEqual((await a.store.readEvents(runId)).slice(1));
  });

  it('reaches a follower within the poll interval when the notification is lost', async () => {
    const options = freshOptions();
    const a = new PostgresRunStore(options);
    closers.push(() => a.close());
    const b = node({ ...options, pollInterval: 50 });
    const at = Date.now();
    await a.createRun(runningRecord('run-1', 'counter', at));
    const started = {
      type: 'run.started',
      runId: 'run-1',
      seq: 0,
      superstep: 0,
      path: [],
      at,
      workflow: 'counter',
      signature: 's',
      input: 1,
    } as unknown as SerializedEvent;
    await a.appendEvents('run-1', [started]);

    const following = b.runtime.events('run-1');
    const first = firstValueFrom(following);
    expect(await first).toStrictEqual(started);
    const all = collect(following);
    // Written behind the stores' backs: no NOTIFY, so only the poll can tell node B.
    const raw = new pg.Client({ connectionString: options.connectionString });
    await raw.connect();
    closers.push(() => raw.end());
    const completed = { type: 'run.completed', runId: 'run-1', seq: 1, superstep: 1, path: [], at, outputs: [] } as unknown as SerializedEvent;
    await raw.query(`INSERT INTO "${options.schema}".run_events (run_id, seq, event) VALUES ('run-1', 1, $1)`, [JSON.stringify(completed)]);
    await raw.query(`UPDATE "${options.schema}".runs SET status = 'completed', updated_at = updated_at + 1 WHERE id = 'run-1'`);

    expect(await all).toStrictEqual([started, completed]);
  });

  it('watch tells of appends and updates made through another store, and stops when asked', async () => {
    const { a, b } = twoStores(60_000);
    const at = Date.now();
    await a.createRun(runningRecord('run-1', 'w', at));
    const watch = await watching(b, 'run-1');
    await watch.toldOf(() => a.updateRun('run-1', { status: 'waiting', updatedAt: at + 1 }));
    await watch.toldOf(() =>
      a.appendEvents('run-1', [{ type: 'run.started', runId: 'run-1', seq: 0, superstep: 0, path: [], at } as unknown as SerializedEvent]),
    );

    watch.stop();
    const before = watch.count();
    // Another watcher on the same store still hears, so the store still listens; the stopped one no longer does.
    const other = await watching(b, 'run-1');
    await other.toldOf(() => a.updateRun('run-1', { status: 'running', updatedAt: at + 2 }));
    expect(watch.count()).toBe(before);
  });

  it('tells of a run whose id is too long for a NOTIFY payload (it notifies the whole schema instead)', async () => {
    const { a, b } = twoStores(60_000);
    const id = 'r'.repeat(9000);
    const watch = await watching(b, id);
    await watch.toldOf(() => a.createRun(runningRecord(id, 'w', Date.now())));
    expect((await b.getRun(id))?.id).toBe(id);
  });

  it('keeps telling after its listening connection is killed: it listens again and the poll covers the gap', async () => {
    const { options, a, b } = twoStores(50);
    const at = Date.now();
    await a.createRun(runningRecord('run-1', 'w', at));
    const watch = await watching(b, 'run-1');
    const admin = new pg.Client({ connectionString: options.connectionString });
    await admin.connect();
    closers.push(() => admin.end());
    const listeners = async (): Promise<number[]> =>
      (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN weft_runs' AND pid <> pg_backend_pid()")).rows.map(
        (row) => row.pid,
      );
    const before = await listeners();
    expect(before.length).toBeGreaterThan(0);
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);

    // The watcher listens again at its next poll; each look is a round trip to the server (bounded in count and time).
    let again: number[] = [];
    const started = Date.now();
    for (let attempt = 0; attempt < 5_000 && Date.now() - started < 15_000 && again.length === 0; attempt++) {
      again = (await listeners()).filter((pid) => !before.includes(pid));
    }
    expect(again.length).toBeGreaterThan(0);
    await watch.toldOf(() => a.updateRun('run-1', { status: 'waiting', updatedAt: at + 1 }));
  });
});
