// What a checkpoint costs when the state is large and the change is small: a run whose executor state holds
// 10,000 numeric keys and changes one of them per superstep. Prints bytes per checkpoint (delta and full) and
// time per superstep without a store, on MemoryCheckpointStore and on weft/sqlite, for each durability mode.
// Run: npx tsx bench/checkpoint-cost.ts [--supersteps=300] [--keys=10000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { executor, loadCheckpoint, MemoryCheckpointStore, WorkflowBuilder, type CheckpointStore, type Durability } from '../src/index.js';
import { SqliteCheckpointStore } from '../src/sqlite/index.js';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const supersteps = arg('supersteps', 300);
const keys = arg('keys', 10_000);

const initial: Record<string, number> = {};
for (let i = 0; i < keys; i++) initial[String(i)] = 0;

const step = executor({
  id: 'step',
  input: z.number(),
  output: z.number(),
  initialState: { values: initial },
  handle: (n, ctx) => {
    ctx.setState((draft) => {
      draft.values[String(n % keys)] = n;
    });
    if (n < supersteps) ctx.send(n + 1);
    else ctx.output(n);
  },
});
const workflow = new WorkflowBuilder({ name: 'checkpoint-cost', start: step, maxSupersteps: supersteps + 10 }).addEdge(step, step).build();

interface Row {
  readonly store: string;
  readonly durability: Durability | '-';
  readonly msPerSuperstep: number;
  readonly checkpoints: number;
  readonly deltaBytes: number;
  readonly fullBytes: number;
}

async function measure(label: string, make: (() => CheckpointStore) | undefined, durability: Durability): Promise<Row> {
  const store = make?.();
  await workflow.run(1, store === undefined ? {} : { checkpoints: store, durability }); // warm-up
  const times: number[] = [];
  let runId = '';
  for (let rep = 0; rep < 5; rep++) {
    const fresh = make?.();
    const started = performance.now();
    const result = await workflow.run(1, fresh === undefined ? {} : { checkpoints: fresh, durability });
    times.push(performance.now() - started);
    if (result.outputs[0] !== supersteps) throw new Error(`wrong result ${String(result.outputs[0])}`);
    if (rep === 4 && fresh !== undefined) {
      runId = result.runId;
      const list = await fresh.list(runId);
      const deltas = list.filter((c) => c.kind === 'delta');
      const fulls = list.filter((c) => c.kind === 'full');
      const last = await loadCheckpoint(fresh, result.checkpointId as string);
      const values = (last.executorStates['step'] as { values: Record<string, number> }).values;
      if (values[String(supersteps % keys)] !== supersteps) throw new Error('the last checkpoint does not hold the final state');
      (fresh as { close?: () => void }).close?.();
      times.sort((a, b) => a - b);
      const median = times[2] as number;
      return {
        store: label,
        durability,
        msPerSuperstep: median / supersteps,
        checkpoints: list.length,
        deltaBytes: deltas.length === 0 ? 0 : deltas.reduce((sum, c) => sum + Buffer.byteLength(c.data), 0) / deltas.length,
        fullBytes: fulls.length === 0 ? 0 : fulls.reduce((sum, c) => sum + Buffer.byteLength(c.data), 0) / fulls.length,
      };
    }
    (fresh as { close?: () => void } | undefined)?.close?.();
  }
  times.sort((a, b) => a - b);
  return { store: label, durability: '-', msPerSuperstep: (times[2] as number) / supersteps, checkpoints: 0, deltaBytes: 0, fullBytes: 0 };
}

const dir = mkdtempSync(join(tmpdir(), 'weft-checkpoint-cost-'));
let file = 0;
const rows: Row[] = [await measure('none', undefined, 'sync')];
for (const durability of ['sync', 'async', 'exit'] as const) {
  rows.push(await measure('memory', () => new MemoryCheckpointStore(), durability));
  rows.push(await measure('sqlite', () => new SqliteCheckpointStore({ path: join(dir, `c${file++}.db`) }), durability));
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `checkpoint cost: ${supersteps} supersteps, state of ${keys.toLocaleString('en')} keys, one key changed per superstep (node ${process.version})\n`,
);
console.log('| store | durability | ms / superstep | checkpoints | bytes / delta | bytes / full |');
console.log('|:--|:--|--:|--:|--:|--:|');
for (const r of rows) {
  console.log(
    `| ${r.store} | ${r.durability} | ${r.msPerSuperstep.toFixed(3)} | ${r.checkpoints} | ${r.deltaBytes === 0 ? '–' : Math.round(r.deltaBytes)} | ${r.fullBytes === 0 ? '–' : Math.round(r.fullBytes).toLocaleString('en')} |`,
  );
}
