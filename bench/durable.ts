// Durable latency, the figure compared with Temporal and Restate: a 3-step workflow (parse → score → route) on the
// SQLite checkpoint store (WAL, on the local disk) with `durability: 'sync'`, so every superstep's checkpoint is
// committed before the next superstep starts. Runs one after another; p50 and p99 per run and per superstep.
//
//   npx tsx bench/durable.ts                      # 2,000 runs after 200 warm-up runs, weft from src/
//   npx tsx bench/durable.ts --runs=500 --durability=async
//
// Writes bench/results/durable-node<major>.json for bench/table.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { executor, WorkflowBuilder, type Durability } from '../src/index.js';
import { SqliteCheckpointStore } from '../src/sqlite/index.js';
import { machine } from './environment.js';

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? 2000);
const warmups = Number(option('warmup') ?? 200);
const durability = (option('durability') ?? 'sync') as Durability;

const parse = executor({
  id: 'parse',
  input: z.string(),
  output: z.object({ text: z.string() }),
  handle: (text, ctx) => ctx.send({ text: text.trim() }),
});
const score = executor({
  id: 'score',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string(), score: z.number() }),
  handle: (m, ctx) => ctx.send({ text: m.text, score: m.text.length % 10 }),
});
const route = executor({
  id: 'route',
  input: z.object({ text: z.string(), score: z.number() }),
  handle: (m, ctx) => ctx.output(m.score >= 5 ? 'urgent' : 'normal'),
});
const workflow = new WorkflowBuilder({ name: 'ticket', start: parse }).addEdge(parse, score).addEdge(score, route).build();

const dir = mkdtempSync(join(tmpdir(), 'weft-durable-'));
const store = new SqliteCheckpointStore({ path: join(dir, 'checkpoints.db') });
const perRun: number[] = [];
let supersteps = 0;
try {
  for (let i = 0; i < warmups + runs; i++) {
    const input = `ticket ${i}`;
    const started = performance.now();
    const result = await workflow.run(input, { checkpoints: store, durability });
    const ms = performance.now() - started;
    const expected = input.length % 10 >= 5 ? 'urgent' : 'normal';
    if (result.outputs[0] !== expected || result.supersteps !== 3)
      throw new Error(`run ${i}: expected ${expected} in 3 supersteps, got ${String(result.outputs[0])} in ${result.supersteps}`);
    if (i >= warmups) {
      perRun.push(ms);
      supersteps = result.supersteps;
    }
  }
  const listed = await store.list((await workflow.run('check', { checkpoints: store, durability })).runId);
  if (listed.length !== 4) throw new Error(`expected 4 checkpoints for a 3-superstep run, found ${listed.length}`);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...perRun].sort((a, b) => a - b);
const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
const info = machine();
console.log(
  `durable latency — Node ${info.node}, ${info.nproc} CPU(s), load ${info.loadavg.join(' ')} — SQLite (WAL), durability '${durability}', ${runs} runs after ${warmups}`,
);
console.log(`| per | p50 ms | p99 ms | max ms |\n| :-- | --: | --: | --: |`);
console.log(
  `| run (3 supersteps, 4 checkpoints) | ${pct(50).toFixed(2)} | ${pct(99).toFixed(2)} | ${(sorted[sorted.length - 1] as number).toFixed(2)} |`,
);
console.log(`| superstep (run ÷ 3) | ${(pct(50) / supersteps).toFixed(2)} | ${(pct(99) / supersteps).toFixed(2)} | |`);
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
const file = `durable-node${process.versions.node.split('.')[0]}.json`;
const perSuperstep = { p50: pct(50) / supersteps, p99: pct(99) / supersteps };
writeFileSync(
  new URL(file, results),
  `${JSON.stringify({ date: new Date().toISOString(), durability, runs, warmups, ...info, perRun: { p50: pct(50), p99: pct(99), max: sorted[sorted.length - 1] }, perSuperstep }, null, 2)}\n`,
);
console.log(`\nWrote bench/results/${file}.`);
