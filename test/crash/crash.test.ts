// Crash recovery, for real: a child process runs a long workflow on a SQLite file with durability 'sync', the
// test SIGKILLs it in the middle, and a new child process resumes the run from its latest checkpoint. The
// outputs must be exactly those of an uninterrupted run: nothing lost, nothing duplicated.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from 'weft';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { runReporting, type ReportedChild } from '../support/reporting-child.js';
import type { CheckpointRow, Report, RunConfig } from './worker.js';
import { crashWorkflow, type CrashInput } from './workflow.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const worker = await compiled(new URL('./worker.ts', import.meta.url).href);
const directory = mkdtempSync(join(tmpdir(), 'weft-crash-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Child = ReportedChild<Report>;

/** Runs the worker in a new Node process; the first report `killWhen` accepts makes the test SIGKILL it. */
const child = (args: readonly string[], killWhen?: (report: Report) => boolean): Promise<Child> => runReporting(worker, args, root, killWhen);

const references = new Map<string, Promise<RunResult>>();
/** The uninterrupted run of the same input, in this process, without a store. */
const uninterrupted = (input: CrashInput): Promise<RunResult> => {
  const key = JSON.stringify(input);
  let result = references.get(key);
  if (result === undefined) references.set(key, (result = crashWorkflow.run(input)));
  return result;
};

let runs = 0;

interface CrashCase {
  readonly input: CrashInput;
  readonly fullCheckpointEvery?: number;
  /** Kill the child as soon as it reports this. */
  readonly killWhen: (report: Report) => boolean;
  /** The backstop superstep at which the child stops making progress, so the kill always lands mid-run. */
  readonly parkAt: number;
  /** The child dies by itself halfway through writing the checkpoint of this superstep (see worker.ts). */
  readonly tearAt?: number;
}

/** Kills a run where `killWhen` says, resumes it in a new process, and checks the result against the uninterrupted run. */
async function crashAndResume(crash: CrashCase): Promise<{ from: CheckpointRow; killed: Child }> {
  runs += 1;
  const file = join(directory, `run-${runs}.db`);
  const runId = `crash-run-${runs}`;
  const config: RunConfig = {
    input: crash.input,
    parkAt: crash.parkAt,
    ...(crash.fullCheckpointEvery === undefined ? {} : { fullCheckpointEvery: crash.fullCheckpointEvery }),
    ...(crash.tearAt === undefined ? {} : { tearAt: crash.tearAt }),
  };

  const killed = await child(['run', file, runId, JSON.stringify(config)], crash.killWhen);
  expect(killed.stderr).toBe('');
  expect(killed.signal, 'the child was killed, not finished').toBe('SIGKILL');
  expect(killed.reports.some((report) => report.type === 'completed')).toBe(false);
  const savedBeforeKill = killed.reports.flatMap((report) => (report.type === 'checkpoint' ? [report] : []));

  const resumed = await child(['resume', file, runId]);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  const last = resumed.reports.at(-1);
  if (last?.type !== 'resumed') throw new Error(`the resuming child reported ${JSON.stringify(last)}`);
  const { from, before, result, after } = last;

  // Every checkpoint the child reported as saved survived the kill, so the run resumes from the last of them or later.
  const lastReported = savedBeforeKill.at(-1);
  expect(lastReported).toBeDefined();
  expect(before).toEqual(expect.arrayContaining(savedBeforeKill.map((report) => report.checkpointId)));
  expect(from.superstep).toBeGreaterThanOrEqual(lastReported?.superstep ?? Infinity);
  expect(from.superstep).toBeLessThan(crash.parkAt);

  // Nothing lost, nothing duplicated: exactly the outputs of the uninterrupted run, and the same end state.
  const reference = await uninterrupted(crash.input);
  expect(result.status).toBe('completed');
  expect(result.outputs).toEqual(reference.outputs);
  expect(result.supersteps).toBe(reference.supersteps);
  expect(result.shared).toEqual(reference.shared);

  // The outputs the killed child committed up to that checkpoint are the start of the resumed result.
  const committedBeforeKill = killed.reports.flatMap((report) =>
    report.type === 'output' && report.superstep <= from.superstep ? [report.value] : [],
  );
  expect(result.outputs.slice(0, committedBeforeKill.length)).toEqual(committedBeforeKill);

  // The same run continues: same id, and its new checkpoints hang off the one it resumed from, in one line.
  expect(result.runId).toBe(runId);
  const added = after.filter((row) => !before.includes(row.id));
  expect(added.length).toBeGreaterThan(0);
  const [first] = added;
  expect(first).toMatchObject({ runId, parentId: from.id, superstep: from.superstep, kind: 'full' });
  added.slice(1).forEach((row, index) => expect(row.parentId).toBe(added[index]?.id));
  expect(added.every((row) => row.runId === runId)).toBe(true);
  expect(result.checkpointId).toBe(added.at(-1)?.id);
  expect(added.at(-1)?.superstep).toBe(reference.supersteps);
  return { from, killed };
}

const checkpointOf = (superstep: number) => (report: Report) => report.type === 'checkpoint' && report.superstep === superstep;
const committedOf = (superstep: number) => (report: Report) => report.type === 'committed' && report.superstep === superstep;

describe.concurrent('a run killed with SIGKILL resumes in a new process', () => {
  const long: CrashInput = { to: 60, ballastKb: 0 }; // 62 supersteps; full checkpoints at 0 and 50 (the default every 50), deltas between

  it.each([5, 23, 41])('killed right after superstep %i was checkpointed', async (superstep) => {
    const { from } = await crashAndResume({ input: long, killWhen: checkpointOf(superstep), parkAt: superstep + 3 });
    expect(from.superstep).toBeGreaterThanOrEqual(superstep);
  });

  it('killed after a superstep committed, while its checkpoint may still be being written', async () => {
    // Every checkpoint is a full 1 MB snapshot, so writing one takes a while; the kill follows the commit of
    // superstep 6 before its checkpoint.saved is reported, so it lands before, during or just after the write.
    const heavy: CrashInput = { to: 12, ballastKb: 1024 };
    const { from, killed } = await crashAndResume({ input: heavy, fullCheckpointEvery: 1, killWhen: committedOf(6), parkAt: 8 });
    expect(killed.reports.some(checkpointOf(5))).toBe(true);
    expect(from.superstep).toBeGreaterThanOrEqual(5); // superstep 6's checkpoint may or may not have made it
  });

  it('killed halfway through writing a checkpoint: the half-written one is ignored', async () => {
    const heavy: CrashInput = { to: 12, ballastKb: 1024 };
    const { from, killed } = await crashAndResume({ input: heavy, fullCheckpointEvery: 1, tearAt: 6, killWhen: () => false, parkAt: 8 });
    const torn = killed.reports.find((report) => report.type === 'tearing');
    if (torn?.type !== 'tearing') throw new Error('the child did not reach the torn write');
    expect(torn.walGrowth).toBeGreaterThan(512 * 1024); // the checkpoint's pages really reached the WAL file, uncommitted
    expect(from.superstep).toBe(5);
    expect(from.id).not.toBe(torn.checkpointId);
  });

  it('killed before its first superstep committed resumes from the checkpoint taken before it', async () => {
    const { from } = await crashAndResume({ input: long, killWhen: checkpointOf(0), parkAt: 2 });
    expect(from.superstep).toBeLessThan(2);
  });
});
