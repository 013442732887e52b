// What one superstep costs when the state is large and the change is one key: A ⇄ B for `--steps` supersteps,
// A writing key counter % keys of an object of `keys` numeric keys, in its own state (`ctx.setState`) or in
// shared state (`ctx.shared.update`), without checkpoints and with every checkpoint kept in memory. The same
// loop without the write is measured beside it, so the difference is the update (and its checkpoint).
//
//   npx tsx bench/state.ts                                   # keys 10k, 100k, 1M; NODE_ENV=production; weft from dist
//   npx tsx bench/state.ts --mode=development --keys=10000   # with weft freezing committed state
//   npx tsx bench/state.ts --weft=src --reps=5 --steps=400
//   npx tsx bench/state.ts --keys=10000 --prefix=k            # named keys ("k0", …) instead of array-index keys
//
// Writes bench/results/state-node<major>-<keys>.json (one entry per row) for bench/table.ts.
//
// A sample is one run; reported: the median µs per superstep over --reps runs after one warm-up run (checked:
// the last value written and the sum of the object at the end).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { git, machine, median } from './environment.js';
import { loadWeft } from './scenarios.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const mode = option('mode') ?? 'production';
process.env['NODE_ENV'] = mode; // read by weft once, when it loads
const target = option('weft') ?? 'dist';
if (target !== 'src' && target !== 'dist') throw new Error(`--weft must be src or dist, got ${target}`);
const keyCounts = (option('keys') ?? '10000,100000,1000000').split(',').map(Number);
const reps = Number(option('reps') ?? 3);
const steps = Number(option('steps') ?? 0); // 0: 400 supersteps up to 100k keys, 40 above
// Keys are "0", "1", … (array-index keys: V8 keeps them as elements) unless a prefix makes them names ("k0", …).
const prefix = option('prefix') ?? '';
const key = (k: number): string => `${prefix}${k}`;

const weft = await loadWeft(target);
const { executor, WorkflowBuilder, MemoryCheckpointStore } = weft;
const num = z.number();

type Kind = 'none' | 'executor' | 'shared';

function zeroes(keys: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (let k = 0; k < keys; k++) values[key(k)] = 0;
  return values;
}

/** A ⇄ B until `limit` A-steps; A writes one key per step (or nothing, for `none`). */
function build(kind: Kind, keys: number, limit: number) {
  const initial = zeroes(keys);
  const a = executor({
    id: 'a',
    input: num,
    output: num,
    ...(kind === 'executor' ? { initialState: { values: initial } } : {}),
    handle: (n, ctx) => {
      const counter = n + 1;
      if (kind === 'executor') {
        ctx.setState((state: { values: Record<string, number> }) => {
          state.values[key(counter % keys)] = counter;
        });
      } else if (kind === 'shared') {
        if (!ctx.shared.has('values')) ctx.shared.set('values', zeroes(keys));
        ctx.shared.update<Record<string, number>>('values', (values) => {
          values[key(counter % keys)] = counter;
        });
      }
      ctx.send(counter);
    },
  });
  const b = executor({
    id: 'b',
    input: num,
    output: num,
    handle: (n, ctx) => {
      if (n < limit) ctx.send(n);
      else ctx.output(n);
    },
  });
  return new WorkflowBuilder({ name: `state-${kind}`, start: a, maxSupersteps: 2 * limit + 10 }).addEdge(a, b).addEdge(b, a).build();
}

async function sample(kind: Kind, keys: number, limit: number, checkpoints: boolean): Promise<number> {
  const workflow = build(kind, keys, limit);
  const once = async (): Promise<number> => {
    const store = checkpoints ? new MemoryCheckpointStore() : undefined;
    const started = performance.now();
    const result = await workflow.run(0, store === undefined ? {} : { checkpoints: store });
    const ms = performance.now() - started;
    if (result.outputs[0] !== limit) throw new Error(`${kind}/${keys}: expected output ${limit}, got ${String(result.outputs[0])}`);
    if (kind !== 'none') {
      const values = kind === 'shared' ? (result.shared['values'] as Record<string, number>) : undefined;
      if (values !== undefined && values[key(limit % keys)] !== limit) throw new Error(`${kind}/${keys}: the last write is missing`);
    }
    if (store !== undefined && (await store.list(result.runId)).length !== 2 * limit + 1)
      throw new Error(`${kind}/${keys}: expected ${2 * limit + 1} checkpoints`);
    return ms;
  };
  await once(); // warm-up, checked like the samples
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await once());
  return (median(samples) * 1000) / (2 * limit); // µs per superstep
}

const info = machine();
console.log(
  `state cost — ${new Date().toISOString()} — keys ${prefix === '' ? '"0", "1", …' : `"${prefix}0", "${prefix}1", …`} — weft ${target}, git ${git()} — NODE_ENV=${mode} — Node ${info.node}, ${info.nproc} CPU(s), load ${info.loadavg.join(' ')}`,
);
console.log(`µs per superstep (A ⇄ B, A writes one key of the object); median of ${reps} runs after a warm-up\n`);
const rows: string[][] = [];
for (const keys of keyCounts) {
  const limit = steps > 0 ? steps / 2 : keys > 100_000 ? 20 : 200;
  for (const checkpoints of [false, true]) {
    const base = await sample('none', keys, limit, checkpoints);
    for (const kind of ['executor', 'shared'] as const) {
      const us = await sample(kind, keys, limit, checkpoints);
      rows.push([
        String(keys),
        kind,
        checkpoints ? 'every superstep, kept' : 'none',
        String(2 * limit),
        us.toFixed(1),
        base.toFixed(1),
        (us - base).toFixed(1),
      ]);
      console.log(
        `  keys ${keys}, ${kind} state, checkpoints ${checkpoints ? 'on' : 'off'}: ${us.toFixed(1)} µs/superstep (loop alone ${base.toFixed(1)})`,
      );
    }
  }
}
const headers = ['keys', 'state', 'checkpoints', 'supersteps', 'µs/superstep', 'loop without the write', 'the write'];
console.log(`\n| ${headers.join(' | ')} |\n| ${headers.map((_, i) => (i < 3 ? ':--' : '--:')).join(' | ')} |`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `\nload average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
const file = `state-node${process.versions.node.split('.')[0]}-${keyCounts.join('-')}.json`;
const entries = rows.map(([keys, kind, checkpoints, supersteps, us, base, write]) => ({
  keys: Number(keys),
  state: kind,
  checkpoints,
  supersteps: Number(supersteps),
  usPerSuperstep: Number(us),
  loopAloneUs: Number(base),
  writeUs: Number(write),
}));
writeFileSync(
  new URL(file, results),
  `${JSON.stringify({ date: new Date().toISOString(), weft: target, git: git(), nodeEnv: mode, reps, ...info, rows: entries }, null, 2)}\n`,
);
console.log(`\nWrote bench/results/${file}.`);
