// A child process of the multi-process tests (bundled once, see test/support/compiled.ts): `worker <mode> <json config>`.
// Every process opens the same store: a SQLite file, or a Postgres database when `db` is a postgres:// URL. Reports are JSON lines written synchronously to stdout (fd 1), so a line
// the parent reads was written before anything that follows it here happened.
//
//   serve    serves `refund` over HTTP and recovers every half lease; reports { type: 'listening', url }.
//   drive    invokes `runs` runs of `steps` (1..4); each holds at superstep 2 until the parent writes a line to
//            stdin; reports { type: 'held', runId } per run, then { type: 'ended', runId, status } per run.
//   recover  recovers once, reports { type: 'recovered', runIds }, then again every half lease (reporting any it
//            finds), following what it recovered to the end: { type: 'ended', runId, status }.
//   crash    invokes one run of `steps` (1..8) with durability 'sync' and SIGKILLs itself halfway through the
//            store transaction that commits superstep `dieAt` (its events are written, its checkpoint is being).
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createRuntime, type Runtime } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { allow, createApp, serve } from 'weft/server';
import { openSqliteRunStore } from 'weft/sqlite';
import { refund, steps } from './workflows.js';
import { reportLine } from '../support/report-line.js';

/** What the parent passes. */
export interface WorkerConfig {
  /** The SQLite file, or the Postgres database's URL. */
  readonly db: string;
  readonly effects: string;
  readonly leaseMs: number;
  readonly runs?: number;
  readonly dieAt?: number;
}

/** A line the child reports. */
export type WorkerReport =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'invoked'; readonly runId: string }
  | { readonly type: 'held'; readonly runId: string }
  | { readonly type: 'recovered'; readonly runIds: readonly string[] }
  | { readonly type: 'ended'; readonly runId: string; readonly status: string };

const report: (line: WorkerReport) => void = reportLine;

const [mode, json] = process.argv.slice(2);
if (mode === undefined || json === undefined) throw new Error('usage: worker.ts <serve|drive|recover|crash> <json config>');
const config = JSON.parse(json) as WorkerConfig;
const store = config.db.startsWith('postgres://') ? new PostgresRunStore({ connectionString: config.db }) : openSqliteRunStore(config.db);
// Followers of runs another process drives read the store this often.
const pollMs = 20;

/** Reports the run's end once its events stream completes. */
const reportEnd = (runtime: Runtime, runId: string): void => {
  runtime.events(runId).subscribe({
    complete: () => void runtime.getRun(runId).then((run) => report({ type: 'ended', runId, status: run?.status ?? 'missing' })),
    error: (error: unknown) => report({ type: 'ended', runId, status: `error: ${String(error)}` }),
  });
};

/** Recovers every half lease, reporting (and following) what it takes over. */
const recoverEvery = (runtime: Runtime): void => {
  const timer = setInterval(() => {
    void runtime.recover().then((runIds) => {
      if (runIds.length === 0) return;
      report({ type: 'recovered', runIds });
      for (const runId of runIds) reportEnd(runtime, runId);
    });
  }, config.leaseMs / 2);
  timer.unref();
};

if (mode === 'serve') {
  const runtime = createRuntime({ workflows: { refund: refund(config.effects) }, store, leaseMs: config.leaseMs, pollMs });
  await runtime.recover();
  recoverEvery(runtime);
  const server = await serve(createApp({ runtime, expose: { refund: { route: allow, runs: allow } } }));
  report({ type: 'listening', url: server.url });
  // Stays up until the parent kills it.
  setInterval(() => undefined, 1 << 30);
} else if (mode === 'drive') {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  createInterface({ input: process.stdin }).once('line', () => release());
  const runtime = createRuntime({
    workflows: {
      steps: steps(config.effects, async (runId, superstep) => {
        if (superstep !== 2) return;
        report({ type: 'held', runId });
        await gate;
      }),
    },
    store,
    leaseMs: config.leaseMs,
    pollMs,
  });
  for (let index = 0; index < (config.runs ?? 1); index++) {
    const { runId } = await runtime.invoke('steps', { at: 1, to: 4 });
    report({ type: 'invoked', runId });
    reportEnd(runtime, runId);
  }
  setInterval(() => undefined, 1 << 30);
} else if (mode === 'recover') {
  const runtime = createRuntime({ workflows: { steps: steps(config.effects) }, store, leaseMs: config.leaseMs, pollMs });
  const runIds = await runtime.recover();
  report({ type: 'recovered', runIds });
  for (const runId of runIds) reportEnd(runtime, runId);
  recoverEvery(runtime);
  setInterval(() => undefined, 1 << 30);
} else if (mode === 'crash') {
  if (store instanceof PostgresRunStore) {
    // Every query of the pool goes through pg.Client: the INSERT of the checkpoint of superstep `dieAt` runs inside the
    // commit's transaction, after the superstep's events were inserted; the server rolls back what the dead client began.
    const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [text, values] = args;
      if (typeof text === 'string' && text.includes('.checkpoints (') && Array.isArray(values) && values[4] === Number(config.dieAt))
        process.kill(process.pid, 'SIGKILL');
      return query.apply(this, args);
    } as typeof pg.Client.prototype.query;
  } else {
    // A SQL function the trigger calls inside the commit's transaction, after the superstep's events were inserted.
    store.database.function('weft_die', () => {
      process.kill(process.pid, 'SIGKILL');
      return 0;
    });
    store.database.exec(
      `CREATE TEMP TRIGGER weft_die_on_commit AFTER INSERT ON main.checkpoints WHEN NEW.superstep = ${Number(config.dieAt)} BEGIN SELECT weft_die(); END;`,
    );
  }
  const runtime = createRuntime({ workflows: { steps: steps(config.effects) }, store, leaseMs: config.leaseMs, runOptions: { durability: 'sync' } });
  const { runId } = await runtime.invoke('steps', { at: 1, to: 8 });
  report({ type: 'invoked', runId });
  setInterval(() => undefined, 1 << 30);
} else {
  throw new Error(`unknown mode "${mode}"`);
}
