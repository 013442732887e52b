// A coordinator process of the BullMQ tests:
//   node <coordinator-process compiled> start|resume <redis url> <queue> <db file> <run id> <items> <spin>
// `start` runs the fan-out workflow with its invocations on the queue and its checkpoints in a SQLite file;
// `resume` continues the run from its latest checkpoint there. Reports JSON lines: `started`, then `finished`.
import type { RunResult } from 'weft';
import { bullmqPlacement } from 'weft/bullmq';
import { SqliteCheckpointStore } from 'weft/sqlite';
import { fanOut } from './workflows.js';
import { reportLine } from '../support/report-line.js';

/** A line the coordinator reports. */
export type CoordinatorReport = { readonly type: 'started'; readonly pid: number } | { readonly type: 'finished'; readonly result: RunResult };

const report: (line: CoordinatorReport) => void = reportLine;

const [mode, url, queue, file, runId, items, spin] = process.argv.slice(2);
if (url === undefined || queue === undefined || file === undefined || runId === undefined || items === undefined || spin === undefined)
  throw new Error('usage: coordinator-process.ts start|resume <redis url> <queue> <db file> <run id> <items> <spin>');
const checkpoints = new SqliteCheckpointStore({ path: file });
const placement = bullmqPlacement({ connection: url, queue });
const workflow = fanOut();
report({ type: 'started', pid: process.pid });
let result: RunResult;
if (mode === 'start') {
  result = await workflow.run({ items: Number(items), spin: Number(spin) }, { runId, checkpoints, placement });
} else if (mode === 'resume') {
  const latest = await checkpoints.latest(runId);
  if (latest === undefined) throw new Error(`no checkpoint of run ${runId} in ${file}`);
  result = await workflow.resume(latest.id, { checkpoints, placement });
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
report({ type: 'finished', result });
await placement.close();
checkpoints.close();
