// The child process of the runtime crash test: `node --import tsx test/service/crash-worker.ts <db file> <n> <park at>`.
// It invokes `counter` with input n on a runtime over the SQLite file and reports, as JSON lines written
// synchronously to stdout, the run id and every superstep the run's events say was completed. The parent SIGKILLs
// it in the middle; as a backstop, the handler of superstep `park at` blocks the thread for good, so the run can
// never finish here.
import { createRuntime } from 'weft';
import { openSqliteRunStore } from 'weft/sqlite';
import { counter } from './workflows.js';
import { reportLine } from '../support/report-line.js';

/** A line the child reports. */
export type CrashReport =
  | { readonly type: 'invoked'; readonly runId: string }
  | { readonly type: 'superstep'; readonly superstep: number; readonly seq: number };

const report: (line: CrashReport) => void = reportLine;

const [file, n, parkAt] = process.argv.slice(2);
if (file === undefined || n === undefined || parkAt === undefined) throw new Error('usage: crash-worker.ts <db file> <n> <park at>');

const runtime = createRuntime({
  workflows: {
    counter: counter(async (superstep) => {
      // Let the events of the previous superstep reach the store and the report first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (superstep >= Number(parkAt)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }),
  },
  store: openSqliteRunStore(file),
});
const { runId } = await runtime.invoke('counter', Number(n));
report({ type: 'invoked', runId });
runtime.events(runId).subscribe((event) => {
  if (event.type === 'superstep.completed' && event.path.length === 0) report({ type: 'superstep', superstep: event.superstep, seq: event.seq });
});
