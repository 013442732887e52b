// The child process of the invocation-record crash test:
//   node <records-worker compiled> run|resume <case> <db file> <run id> <effects file>
//
//   run     starts the case's workflow on the SQLite file (durability 'sync'); one invocation hangs for good and the
//           parent SIGKILLs the process once the others' records are saved.
//   resume  opens the same file in a new process and resumes the run from its latest checkpoint.
//
// Side effects are appended to the effects file; reports are JSON lines written synchronously to stdout.
import { appendFileSync } from 'node:fs';
import type { CheckpointStore, RunResult, StoredInvocation } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';
import { hooks, recordsCases, type RecordsCase } from './records-workflow.js';
import { reportLine } from '../support/report-line.js';

/** A line the child reports. */
export type RecordsReport =
  | { readonly type: 'effect'; readonly line: string }
  | { readonly type: 'recorded'; readonly invocationId: string }
  | { readonly type: 'completed'; readonly result: RunResult }
  | { readonly type: 'resumed'; readonly result: RunResult; readonly recordsLeft: number };

const report: (line: RecordsReport) => void = reportLine;

const [mode, name, file, runId, effects] = process.argv.slice(2);
if (file === undefined || runId === undefined || effects === undefined)
  throw new Error('usage: records-worker.ts run|resume <case> <db file> <run id> <effects file>');
const chosen = recordsCases[name as RecordsCase];
if (chosen === undefined) throw new Error(`unknown case ${String(name)}`);
const sqlite = new SqliteCheckpointStore({ path: file });

hooks.effect = (line) => {
  appendFileSync(effects, `${line}\n`);
  report({ type: 'effect', line });
};

/** The SQLite store, reporting every invocation record once it is saved. */
const store: CheckpointStore = {
  save: (checkpoint) => sqlite.save(checkpoint),
  get: (id) => sqlite.get(id),
  list: (id) => sqlite.list(id),
  latest: (id) => sqlite.latest(id),
  deleteRun: (id) => sqlite.deleteRun(id),
  saveInvocation: async (record: StoredInvocation) => {
    await sqlite.saveInvocation(record);
    report({ type: 'recorded', invocationId: record.invocationId });
  },
  listInvocations: (id, superstep) => sqlite.listInvocations(id, superstep),
  deleteInvocations: (id, through) => sqlite.deleteInvocations(id, through),
};

if (mode === 'run') {
  hooks.hang = (what) => what === chosen.hangs;
  const result = await chosen.workflow.run(0, { runId, checkpoints: store, durability: 'sync' });
  report({ type: 'completed', result });
} else if (mode === 'resume') {
  const latest = await sqlite.latest(runId);
  if (latest === undefined) throw new Error(`no checkpoint of run ${runId} in ${file}`);
  const result = await chosen.workflow.resume(latest.id, { checkpoints: store, durability: 'sync' });
  const recordsLeft = (sqlite.database.prepare('SELECT count(*) AS n FROM invocations WHERE run_id = ?').get(runId) as { n: number }).n;
  report({ type: 'resumed', result, recordsLeft });
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
sqlite.close();
