// A hand-written scenario and weft's, interleaved in one process: CPU µs per run of each and their ratio, so a
// noisy machine slows both alike. For comparing two builds of weft (A, B, A, B), each in its own process.
//
//   npx tsx bench/pair.ts fanout                          # weft from src/
//   npx tsx bench/pair.ts fanout --weft=bench/results/a   # a copy of a tsup build (dist/) kept under bench/results
//   bash bench/node24/run.sh bench/pair.ts loop --seconds=5
//
// Both run 300 times first (JIT), then alternate blocks of 100 runs for --seconds (3 by default).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Engine, Run } from './engines/engine.js';
import { engine as raw } from './engines/raw.js';
import { createWeftEngine, type Weft } from './engines/weft.js';
import { CHAIN_LENGTH, FANOUT_WIDTH, LOOP_LIMIT } from './scenarios.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const name = args.find((a) => !a.startsWith('--')) ?? 'fanout';
const sizes: Record<string, number> = { chain: CHAIN_LENGTH, fanout: FANOUT_WIDTH, loop: LOOP_LIMIT };
const size = sizes[name];
if (size === undefined) throw new Error(`bench/pair.ts: unknown scenario "${name}"; use chain, fanout or loop.`);
const dir = option('weft');
const weftModule = (await import(dir === undefined ? '../src/index.js' : pathToFileURL(resolve(dir, 'index.js')).href)) as Weft;
const seconds = Number(option('seconds') ?? 3);

const scenario = (engine: Engine): Run<unknown> => (engine[name as 'chain' | 'fanout' | 'loop'] as (n: number) => Run<unknown>)(size);
const runs = { raw: scenario(raw), weft: scenario(createWeftEngine(weftModule, dir ?? 'src/')) };
for (let i = 0; i < 300; i++) {
  await runs.raw();
  await runs.weft();
}
const cpu = { raw: 0, weft: 0 };
const count = { raw: 0, weft: 0 };
const end = performance.now() + seconds * 1000;
while (performance.now() < end)
  for (const engine of ['raw', 'weft'] as const) {
    const start = process.cpuUsage();
    for (let i = 0; i < 100; i++) await runs[engine]();
    const used = process.cpuUsage(start);
    cpu[engine] += used.user + used.system;
    count[engine] += 100;
  }
const perRaw = cpu.raw / count.raw;
const perWeft = cpu.weft / count.weft;
console.log(
  `${process.version} ${name} weft=${dir ?? 'src/'}: raw ${perRaw.toFixed(1)} µs, weft ${perWeft.toFixed(1)} µs CPU per run, ${(perWeft / perRaw).toFixed(2)}× raw`,
);
