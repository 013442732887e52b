/**
 * Surviving a crash: a run killed with SIGKILL continues from its last checkpoint, in another process.
 *
 *   npx tsx examples/resume-after-crash.ts
 *
 * The example starts itself a second time, as a child process. The child runs an import workflow on a SQLite
 * file with `durability: 'sync'` (each superstep's checkpoint is written before the next superstep starts), and
 * in the middle of batch 4 it kills itself with SIGKILL: no `finally`, no cleanup, as in a crash, an OOM kill
 * or a pulled plug. The parent then opens the same file, finds the run's latest checkpoint and resumes it.
 * The batches committed before the crash are not imported again, and the outputs are exactly those of a run
 * that never crashed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';

const BATCHES = 6;
const CRASH_IN_BATCH = 4;
const isChild = process.argv[2] === '--child';

let narrating = true;
/** Prints synchronously: the child is about to die, and a buffered line would die with it. */
const say = (line: string): void => {
  if (narrating) writeSync(1, `${line}\n`);
};

// ── The workflow: import a number of batches, one per superstep ──

const plan = executor({
  id: 'plan',
  input: z.object({ batches: z.number().int().min(1) }),
  output: z.number().int(),
  handle: ({ batches }, ctx) => {
    ctx.shared.set('batches', batches);
    ctx.send(1);
  },
});

const importBatch = executor({
  id: 'import-batch',
  input: z.number().int(),
  output: z.number().int(),
  initialState: { imported: [] as number[], rows: 0 },
  handle: async (batch, ctx) => {
    say(`  ${isChild ? 'child ' : 'parent'} · superstep ${ctx.superstep}: importing batch ${batch}…`);
    await new Promise((resolve) => setImmediate(resolve)); // stands in for reading a file or calling an API
    if (isChild && batch === CRASH_IN_BATCH) process.kill(process.pid, 'SIGKILL'); // the crash: nothing after this line runs
    const rows = 100 + batch * 7;
    ctx.setState((state) => {
      state.imported.push(batch);
      state.rows += rows;
    });
    ctx.output({ batch, rows, totalRows: ctx.state.rows });
    if (batch < (ctx.shared.get<number>('batches') ?? 0)) ctx.send(batch + 1);
  },
});

const workflow = new WorkflowBuilder({ name: 'nightly-import', start: plan }).addEdge(plan, importBatch).addEdge(importBatch, importBatch).build();

const input = { batches: BATCHES };

// ── The child: run until it crashes ──

if (isChild) {
  const [, , , file, runId] = process.argv as [string, string, string, string, string];
  const store = new SqliteCheckpointStore({ path: file });
  await workflow.run(input, { runId, checkpoints: store, durability: 'sync' });
  say('  child  · finished without crashing?!'); // never reached
  process.exit(0);
}

// ── The parent: start the child, watch it die, resume the run ──

const directory = mkdtempSync(join(tmpdir(), 'weft-resume-after-crash-'));
const file = join(directory, 'weft.db');
const runId = 'nightly-import-2024-06-01';
try {
  console.log(`Run "${runId}" starts in a child process, checkpointing to ${file}:`);
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', file, runId], { stdio: 'inherit' });
  console.log(`The child process died: signal ${child.signal ?? 'none'}, exit code ${child.status ?? 'none'}.\n`);
  check(child.signal === 'SIGKILL', 'the child was killed by SIGKILL');

  // A new process (here: the parent) needs only the file, the run id and the same workflow.
  const store = new SqliteCheckpointStore({ path: file });
  const latest = await store.latest(runId);
  check(latest !== undefined, 'the run has checkpoints');
  const saved = await store.list(runId);
  console.log(
    `The file holds ${saved.length} checkpoints of the run (supersteps ${saved[0]?.superstep}…${latest.superstep}); resuming from superstep ${latest.superstep}:`,
  );

  const result = await workflow.resume(latest.id, { checkpoints: store, durability: 'sync' });
  for (const output of result.outputs) console.log(`  output ${JSON.stringify(output)}`);
  console.log(`Run "${result.runId}" ${result.status} after ${result.supersteps} supersteps.`);

  const lineage = await store.list(runId);
  const resumedFirst = lineage.find((stored) => !saved.some((old) => old.id === stored.id));
  store.close();

  // ── Check: exactly what an uninterrupted run gives ──

  narrating = false;
  const uninterrupted = await workflow.run(input);
  check(
    JSON.stringify(result.outputs) === JSON.stringify(uninterrupted.outputs),
    'the outputs equal those of an uninterrupted run: none lost, none twice',
  );
  check(result.outputs.length === BATCHES, `one output per batch (${result.outputs.length})`);
  check(JSON.stringify(result.shared) === JSON.stringify(uninterrupted.shared), 'the shared state equals that of an uninterrupted run');
  check(result.supersteps === uninterrupted.supersteps, 'as many supersteps as an uninterrupted run');
  check(
    latest.superstep === CRASH_IN_BATCH,
    `the last checkpoint before the crash is that of superstep ${CRASH_IN_BATCH} (batch ${CRASH_IN_BATCH - 1})`,
  );
  check(result.runId === runId, 'resuming the latest checkpoint continues the same run');
  check(resumedFirst?.parentId === latest.id, "the resumed run's first checkpoint follows the one it resumed from");
  console.log(
    `\nBatches 1–${CRASH_IN_BATCH - 1} were committed before the crash and kept; batch ${CRASH_IN_BATCH} was in flight, so its handler ran again` +
      ' (make side effects idempotent); its output and every other one appear exactly once.',
  );
  console.log('resume-after-crash: all checks passed');
} finally {
  rmSync(directory, { recursive: true, force: true });
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`resume-after-crash example check failed: ${message}`);
}
