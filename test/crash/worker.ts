// The child process of the crash test: `node --import tsx test/crash/worker.ts <mode> <db file> <run id> <json>`.
//
//   run     starts the crash workflow on the SQLite file with durability 'sync', reporting as it goes;
//           the parent SIGKILLs it somewhere in the middle.
//   resume  opens the same file in a new process and resumes the run from its latest checkpoint.
//
// Reports are JSON lines written synchronously to stdout (fd 1), so that a line the parent reads was written
// before anything that follows it in the child happened.
import { statSync } from 'node:fs';
import type { CheckpointStore, RunResult, StoredCheckpoint } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';
import { crashWorkflow, type CrashInput } from './workflow.js';
import { reportLine } from '../support/report-line.js';

/** What the parent passes as the last argument of `run`. */
export interface RunConfig {
  readonly input: CrashInput;
  readonly fullCheckpointEvery?: number;
  /**
   * A backstop, not the crash: at the start of this superstep the child blocks its thread for good, so that the
   * parent's SIGKILL always lands before the run could finish. The parent kills earlier than this.
   */
  readonly parkAt: number;
  /**
   * Dies halfway through writing the checkpoint of this superstep: the real store's INSERT runs inside a
   * transaction that is never committed (a small page cache makes its pages spill into the WAL file first),
   * then the child SIGKILLs itself.
   */
  readonly tearAt?: number;
}

/** A line the child reports. */
export type Report =
  | { readonly type: 'output'; readonly superstep: number; readonly value: unknown }
  | { readonly type: 'committed'; readonly superstep: number }
  | { readonly type: 'checkpoint'; readonly superstep: number; readonly checkpointId: string; readonly kind: 'full' | 'delta' }
  | { readonly type: 'parked'; readonly superstep: number }
  | { readonly type: 'tearing'; readonly superstep: number; readonly checkpointId: string; readonly walGrowth: number }
  | { readonly type: 'completed'; readonly result: RunResult }
  | {
      readonly type: 'resumed';
      readonly from: CheckpointRow;
      readonly before: readonly string[];
      readonly result: RunResult;
      readonly after: readonly CheckpointRow[];
    };

/** A stored checkpoint without its body. */
export type CheckpointRow = Omit<StoredCheckpoint, 'data'>;

const report: (line: Report) => void = reportLine;
const row = ({ data: _data, ...fields }: StoredCheckpoint): CheckpointRow => fields;

/** The store, except that it dies in the middle of saving the checkpoint of superstep `at`. */
function tearing(sqlite: SqliteCheckpointStore, at: number): CheckpointStore {
  return {
    save: async (checkpoint) => {
      if (checkpoint.superstep !== at) return sqlite.save(checkpoint);
      const wal = (): number => statSync(`${sqlite.database.name}-wal`).size;
      sqlite.database.pragma('wal_checkpoint(TRUNCATE)'); // an empty WAL file, so its growth is this write alone
      const before = wal();
      sqlite.database.pragma('cache_size = 8');
      sqlite.database.exec('BEGIN IMMEDIATE');
      await sqlite.save(checkpoint); // written into the WAL, never committed
      report({ type: 'tearing', superstep: at, checkpointId: checkpoint.id, walGrowth: wal() - before });
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined); // the signal is on its way
    },
    get: (id) => sqlite.get(id),
    list: (id) => sqlite.list(id),
    latest: (id) => sqlite.latest(id),
    deleteRun: (id) => sqlite.deleteRun(id),
  };
}

const [mode, file, runId, json] = process.argv.slice(2);
if (file === undefined || runId === undefined) throw new Error('usage: worker.ts run|resume <db file> <run id> [config json]');
const store = new SqliteCheckpointStore({ path: file });

if (mode === 'run') {
  const config = JSON.parse(json ?? '{}') as RunConfig;
  const run = crashWorkflow.start(config.input, {
    runId,
    checkpoints: config.tearAt === undefined ? store : tearing(store, config.tearAt),
    durability: 'sync',
    ...(config.fullCheckpointEvery === undefined ? {} : { fullCheckpointEvery: config.fullCheckpointEvery }),
  });
  run.events$.subscribe((event) => {
    if (event.type === 'output') report({ type: 'output', superstep: event.superstep, value: event.value });
    else if (event.type === 'superstep.completed') report({ type: 'committed', superstep: event.superstep });
    else if (event.type === 'checkpoint.saved')
      report({ type: 'checkpoint', superstep: event.superstep, checkpointId: event.checkpointId, kind: event.kind });
    else if (event.type === 'superstep.started' && event.superstep >= config.parkAt) {
      report({ type: 'parked', superstep: event.superstep });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocks this thread until the parent kills the process
    }
  });
  report({ type: 'completed', result: await run.result });
} else if (mode === 'resume') {
  const latest = await store.latest(runId);
  if (latest === undefined) throw new Error(`no checkpoint of run ${runId} in ${file}`);
  const before = (await store.list(runId)).map((stored) => stored.id);
  const result = await crashWorkflow.resume(latest.id, { checkpoints: store, durability: 'sync' });
  report({ type: 'resumed', from: row(latest), before, result, after: (await store.list(runId)).map(row) });
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
store.close();
