// Per-superstep overhead of weft, against hand-written baselines.
//
//   npx tsx bench/overhead.ts                 # all scenarios, 15 repetitions
//   npx tsx bench/overhead.ts --reps=30 --only=chain,loop --no-write
//
//   npx tsx bench/overhead.ts --warmup=1      # a single warm-up run per variant (cold-ish JIT; noisier)
//   npx tsx bench/overhead.ts --weft=dist     # weft bundled by tsup as published, instead of src/ through tsx
//
// For every scenario: build the workflow once; warm up by running every variant --warmup times (default 10;
// the first run is the correctness check, and its time is kept as `firstRunMs`); then run --reps
// interleaved repetitions (the variant order rotates every repetition). Each sample times one complete
// run, from the call to the settled result; the result is checked after the clock stops and a wrong result
// aborts the benchmark. Results: a table on stdout, bench/results/overhead.json and
// bench/results/overhead.md (bench/results/ is git-ignored).
//
// Why 10 warm-up runs and no forced GC: V8 needs ~6–8 runs of a 4,000-superstep run to reach steady state
// (the loop scenario goes 150 → 50 → 27 → 13 → 9 ms), and calling gc() before every sample kept the
// engine from ever reaching it (loop samples scattered between 13 and 65 ms instead of 9 ± 0.3 ms).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { git, machine, median } from './environment.js';
import type { ValidationMode, Workflow } from '../src/index.js';
import { createScenarios, loadWeft, runOnce, streamOnce, type Scenario, type WeftOutcome } from './scenarios.js';

// ---------------------------------------------------------------------------------------------- options

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const reps = Number(option('reps') ?? 15);
if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps must be a positive integer, got ${option('reps')}`);
const warmups = Number(option('warmup') ?? 10);
if (!(Number.isInteger(warmups) && warmups >= 1)) throw new Error(`--warmup must be a positive integer, got ${option('warmup')}`);
const only = option('only')?.split(',');
const write = !args.includes('--no-write');
const target = option('weft') ?? 'src';
if (target !== 'src' && target !== 'dist') throw new Error(`--weft must be src or dist, got ${target}`);
const scenarios = createScenarios(await loadWeft(target));
const selected = scenarios.filter((s) => only === undefined || only.includes(s.name));
if (selected.length === 0) throw new Error(`--only matched no scenario; known: ${scenarios.map((s) => s.name).join(', ')}`);

// --------------------------------------------------------------------------------------------- variants

interface Variant {
  readonly name: string;
  readonly kind: 'raw' | 'weft';
  /** Runs once; resolves with the single output and, for weft, what the run reported. */
  readonly run: (scenario: Scenario, workflow: Workflow<number, unknown>) => Promise<{ output: unknown; weft?: WeftOutcome }>;
}

const weft = (api: 'run' | 'stream', validate: ValidationMode): Variant => ({
  name: `weft ${api} · ${validate === 'all' ? 'validate all' : 'edges-only'}`,
  kind: 'weft',
  run: async (scenario, workflow) => {
    const outcome = await (api === 'run' ? runOnce : streamOnce)(workflow, scenario.input, validate);
    return { output: outcome.outputs.length === 1 ? outcome.outputs[0] : outcome.outputs, weft: outcome };
  },
});

const variants: readonly Variant[] = [
  { name: 'raw (sync loop)', kind: 'raw', run: async (scenario) => ({ output: scenario.raw(scenario.input) }) },
  { name: 'raw (async/Promise)', kind: 'raw', run: async (scenario) => ({ output: await scenario.rawAsync(scenario.input) }) },
  weft('run', 'all'),
  weft('run', 'edges-only'),
  weft('stream', 'all'),
  weft('stream', 'edges-only'),
];

function check(scenario: Scenario, variant: Variant, result: { output: unknown; weft?: WeftOutcome }): void {
  const problems: string[] = [];
  if (result.output !== scenario.expected) problems.push(`output ${JSON.stringify(result.output)}, expected ${scenario.expected}`);
  if (result.weft !== undefined && result.weft.supersteps !== scenario.supersteps)
    problems.push(`${result.weft.supersteps} supersteps, expected ${scenario.supersteps}`);
  if (problems.length > 0) throw new Error(`${scenario.name} / ${variant.name}: ${problems.join('; ')}`);
}

// ------------------------------------------------------------------------------------------ measurement

interface Stats {
  readonly variant: string;
  readonly kind: 'raw' | 'weft';
  readonly samplesMs: readonly number[];
  /** The very first run (cold JIT), not part of the statistics. */
  readonly firstRunMs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median CPU time of the process (user + system, all threads) per sample: less sensitive to a busy machine. */
  readonly cpuMedianMs: number;
  readonly cpuSamplesMs: readonly number[];
  /** Median time divided by the supersteps weft needs for this scenario. */
  readonly perSuperstepUs: number;
  /** Median time divided by the handler invocations weft makes for this scenario. */
  readonly perInvocationUs: number;
  /** Median / median of the synchronous loop. */
  readonly vsRawSync: number;
  /** Median / median of the Promise code. */
  readonly vsRawAsync: number;
  /** Events per run (stream variants). */
  readonly events: number | undefined;
}

interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly supersteps: number;
  readonly invocations: number;
  readonly buildMs: number;
  readonly variants: readonly Stats[];
}

async function measure(scenario: Scenario): Promise<ScenarioResult> {
  const buildStarted = performance.now();
  const workflow = scenario.build();
  const buildMs = performance.now() - buildStarted;

  const events = new Map<string, number>();
  const firstRun = new Map<string, number>();
  for (let round = 0; round < warmups; round++) {
    for (const variant of variants) {
      const started = performance.now();
      const warm = await variant.run(scenario, workflow);
      const elapsed = performance.now() - started;
      check(scenario, variant, warm); // the first round is the correctness check before anything counts
      if (round === 0) firstRun.set(variant.name, elapsed);
      if (warm.weft !== undefined && warm.weft.events > 0) events.set(variant.name, warm.weft.events);
    }
  }

  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpuSamples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + rep) % variants.length] as Variant; // rotate, so no variant always runs first
      const cpuStarted = process.cpuUsage();
      const started = performance.now();
      const result = await variant.run(scenario, workflow);
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpuStarted);
      check(scenario, variant, result);
      (samples.get(variant.name) as number[]).push(elapsed);
      (cpuSamples.get(variant.name) as number[]).push((cpu.user + cpu.system) / 1000);
    }
  }

  const medianOf = (name: string): number => median(samples.get(name) as number[]);
  const rawSync = medianOf('raw (sync loop)');
  const rawAsync = medianOf('raw (async/Promise)');
  return {
    name: scenario.name,
    description: scenario.description,
    supersteps: scenario.supersteps,
    invocations: scenario.invocations,
    buildMs,
    variants: variants.map((variant): Stats => {
      const list = samples.get(variant.name) as number[];
      const cpuList = cpuSamples.get(variant.name) as number[];
      const medianMs = median(list);
      return {
        variant: variant.name,
        kind: variant.kind,
        samplesMs: list,
        firstRunMs: firstRun.get(variant.name) as number,
        medianMs,
        minMs: Math.min(...list),
        maxMs: Math.max(...list),
        cpuMedianMs: median(cpuList),
        cpuSamplesMs: cpuList,
        perSuperstepUs: (medianMs * 1000) / scenario.supersteps,
        perInvocationUs: (medianMs * 1000) / scenario.invocations,
        vsRawSync: medianMs / rawSync,
        vsRawAsync: medianMs / rawAsync,
        events: events.get(variant.name),
      };
    }),
  };
}

// ------------------------------------------------------------------------------------------------ report

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3));
const us = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
const ratio = (v: number): string => (v >= 100 ? `${v.toFixed(0)}×` : `${v.toFixed(1)}×`);

const HEADERS = [
  'scenario',
  'variant',
  'median ms',
  'min ms',
  'CPU ms',
  'µs/superstep',
  'µs/invocation',
  'vs sync loop',
  'vs Promise code',
  'events/run',
];

function rows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap((result) =>
    result.variants.map((s) => [
      result.name,
      s.variant,
      ms(s.medianMs),
      ms(s.minMs),
      ms(s.cpuMedianMs),
      us(s.perSuperstepUs),
      us(s.perInvocationUs),
      s.variant === 'raw (sync loop)' ? '1×' : ratio(s.vsRawSync),
      s.variant === 'raw (async/Promise)' ? '1×' : ratio(s.vsRawAsync),
      s.events === undefined ? '' : String(s.events),
    ]),
  );
}

function textTable(results: readonly ScenarioResult[]): string {
  const body = rows(results);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const left = new Set([0, 1]);
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [line(HEADERS), widths.map((w) => '─'.repeat(w)).join('  ')];
  let previous = '';
  for (const r of body) {
    if (previous !== '' && r[0] !== previous) out.push('');
    previous = r[0] as string;
    out.push(line(r));
  }
  return out.join('\n');
}

function markdownTable(results: readonly ScenarioResult[]): string {
  const align = HEADERS.map((_, i) => (i < 2 ? ':--' : '--:'));
  return [HEADERS, align, ...rows(results)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const info = machine();
  const date = new Date().toISOString();
  const source = `${target === 'src' ? 'src/ through tsx' : 'tsup bundle of src/ (as published)'}, git ${git()}`;
  console.log(`weft overhead benchmark — ${date} — weft: ${source}`);
  console.log(`Node ${info.node}, ${info.platform}, ${info.nproc} CPU(s): ${info.cpu}; load average ${info.loadavg.join(' ')}`);
  console.log(`${warmups} warm-up run(s) per variant, then ${reps} interleaved repetitions.\n`);

  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    process.stdout.write(`  ${scenario.name}: ${scenario.description} … `);
    const result = await measure(scenario);
    results.push(result);
    console.log(`done (built in ${ms(result.buildMs)} ms, ${result.supersteps} supersteps, ${result.invocations} invocations)`);
  }
  console.log(`\n${textTable(results)}\n`);
  console.log('median/min: wall-clock time of one run. CPU ms: median CPU time of the process per run (user + system),');
  console.log('which a busy machine inflates less. µs/superstep and µs/invocation divide the median by the supersteps');
  console.log('and handler invocations weft needs for the scenario (raw rows use the same divisor). Ratios compare medians.');
  const load = os.loadavg()[0] as number;
  if (load > info.nproc * 0.75)
    console.log(`\nWarning: load average ${load.toFixed(1)} on ${info.nproc} CPU(s) while measuring; expect noisy numbers.`);

  if (write) {
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const meta = { date, weft: source, ...info, loadavgAfter: os.loadavg().map((l) => Math.round(l * 100) / 100), reps, warmups };
    const suffix = target === 'src' ? '' : '-dist';
    writeFileSync(new URL(`overhead${suffix}.json`, dir), `${JSON.stringify({ ...meta, scenarios: results }, null, 2)}\n`);
    const header = `Measured ${date.slice(0, 10)} — weft: ${source} — Node ${info.node}, ${info.platform}, \`nproc\` = ${info.nproc}, CPU: ${info.cpu}, load average at start ${info.loadavg[0]}; ${warmups} warm-up runs per variant, then ${reps} interleaved repetitions.`;
    writeFileSync(new URL(`overhead${suffix}.md`, dir), `${header}\n\n${markdownTable(results)}\n`);
    console.log(`\nWrote bench/results/overhead${suffix}.json and bench/results/overhead${suffix}.md.`);
  }
}

await main();
