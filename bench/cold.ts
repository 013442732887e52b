// A fresh process's first runs: for each engine, --procs fresh processes (bench/cold-child.ts), each loading the
// engine, building the 1,000-step chain and running it 10 times. Reported: medians over the processes of the load
// (import) time, the build, the first run, runs 2–10, and the sum of the first ten.
//
//   npx tsx bench/cold.ts                                  # raw, weft (tsup bundle), langgraph, mastra; 5 processes each
//   npx tsx bench/cold.ts --engines=weft --procs=9 --weft=src
//   npx tsx bench/cold.ts --gc --warm=20 --runs=20         # the warm chain with a forced gc() before every run
//   bash bench/node24/run.sh bench/cold.ts --peers=node24  # on Node 24 with its peers (Mastra 1.x, LangGraph, ADK-TS)
//
// Writes bench/results/cold[-node24][-warm][-gc].json (every process's timings) for bench/table.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { git, machine, median } from './environment.js';
import { loadWeft } from './scenarios.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const peers = option('peers') ?? 'node20';
if (peers !== 'node20' && peers !== 'node24') throw new Error(`--peers must be node20 or node24, got ${peers}`);
const engines = (option('engines') ?? `raw,weft,langgraph,mastra${peers === 'node24' ? ',adk' : ''}`).split(',');
const procs = Number(option('procs') ?? 5);
const runs = Number(option('runs') ?? 10);
const warm = Number(option('warm') ?? 0);
const gc = args.includes('--gc');
const target = option('weft') ?? 'dist';
const mode = option('mode') ?? 'production';
const length = Number(option('length') ?? 1000);

let dist: string | undefined;
if (target === 'dist') {
  await loadWeft('dist'); // builds bench/results/weft-dist/index.js as published
  dist = new URL('./results/weft-dist/index.js', import.meta.url).href;
}
const child = fileURLToPath(new URL('./cold-child.ts', import.meta.url));

interface ChildResult {
  engine: string;
  version: string;
  processToScriptMs: number;
  loadMs: number;
  buildMs: number;
  runsMs: number[];
  runsCpuMs: number[];
}

const info = machine();
console.log(
  `cold start — ${new Date().toISOString()} — weft ${target}, git ${git()} — NODE_ENV=${mode} — Node ${info.node}, ${info.nproc} CPU(s), load ${info.loadavg.join(' ')}`,
);
console.log(
  `${procs} fresh processes per engine; in each: load, build the ${length}-step chain, ${warm > 0 ? `${warm} untimed runs, then ` : ''}${runs} timed runs${gc ? ', gc() before every run' : ''}\n`,
);
const headers = [
  'engine',
  'load ms',
  'build ms',
  'run 1 ms',
  'run 1 CPU ms',
  'run 2 ms',
  'runs 3–10 median ms',
  'last run ms',
  `first ${runs} runs Σ ms`,
];
const rows: string[][] = [];
const all: { engine: string; version: string; processes: ChildResult[] }[] = [];
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
for (const engine of engines) {
  const results: ChildResult[] = [];
  for (let p = 0; p < procs; p++) {
    const argv = [
      '--import',
      'tsx',
      ...(gc ? ['--expose-gc'] : []),
      '--no-warnings',
      child,
      `--engine=${engine}`,
      `--runs=${runs}`,
      `--warm=${warm}`,
      `--length=${length}`,
      ...(gc ? ['--gc'] : []),
      `--peers=${peers}`,
      ...(engine === 'weft' && dist !== undefined ? [`--dist=${dist}`] : []),
    ];
    const out = execFileSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, NODE_ENV: mode } });
    results.push(JSON.parse(out.trim().split('\n').pop() as string) as ChildResult);
  }
  all.push({ engine, version: results[0]?.version ?? '', processes: results });
  const at = (i: number): number => median(results.map((r) => r.runsMs[i] as number));
  const row = [
    `${engine} (${results[0]?.version})`,
    fmt(median(results.map((r) => r.loadMs))),
    fmt(median(results.map((r) => r.buildMs))),
    fmt(at(0)),
    fmt(median(results.map((r) => r.runsCpuMs[0] as number))),
    fmt(at(1)),
    fmt(median(results.flatMap((r) => r.runsMs.slice(2)))),
    fmt(at(runs - 1)),
    fmt(median(results.map((r) => r.runsMs.reduce((a, b) => a + b, 0)))),
  ];
  rows.push(row);
  console.log(`  ${row.join(' · ')}`);
}
console.log(
  `\n| ${headers.join(' | ')} |\n| :-- | ${headers
    .slice(1)
    .map(() => '--:')
    .join(' | ')} |`,
);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = `cold${peers === 'node24' ? '-node24' : ''}${warm > 0 ? '-warm' : ''}${gc ? '-gc' : ''}.json`;
writeFileSync(
  new URL(file, dir),
  `${JSON.stringify({ date: new Date().toISOString(), weft: target, git: git(), nodeEnv: mode, peers, procs, runs, warm, gc, ...info, engines: all }, null, 2)}\n`,
);
console.log(`\nWrote bench/results/${file}.`);
