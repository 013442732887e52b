// weft against its peers: the same scenarios in weft, hand-written async code (raw, the floor), LangGraph.js
// and Mastra. `npm run bench` = `tsx --expose-gc --no-warnings bench/run.ts`.
//
//   npm run bench                                   # every scenario, weft bundled by tsup as published
//   npm run bench -- --weft=src                     # weft from src/ through tsx instead
//   npm run bench -- --only=chain,loop --engines=raw,weft,langgraph --reps=20 --no-write
//   npm run bench -- --small                        # the test sizes: a quick check that everything runs
//   npm run bench -- --mode=development             # NODE_ENV for every engine (default production: weft then skips freezing state)
//   npm run bench:node24                            # on Node 24 with the peers of bench/node24 (Mastra 1.x, LangGraph, ADK-TS)
//   npm run bench -- --only=soak --out=-soak         # writes bench/results/peers-soak.{json,md} instead of peers.{json,md}
//
// Method, per scenario: build each engine's graph once (not timed); run each engine once as the warm-up, and
// check its result exactly (a wrong result aborts the benchmark before any time counts); then --reps
// interleaved repetitions (every engine once per repetition, the order rotating), each sample timing one run
// (wall clock and process CPU) and checking its result again. Reported: median and min, median CPU, and the
// ratios of medians to raw and to weft. Memory (needs --expose-gc), measured as JS heap plus ArrayBuffers (where
// LangGraph's MemorySaver keeps its checkpoints) after a forced GC: for `checkpoint`, what is still used while the
// run's checkpoints are held, minus before the run; for `soak`, at the end of the 10,000 runs minus at their
// start (after a warm-up soak of 500). Writes bench/results/peers.json and
// bench/results/peers.md (git-ignored). Node warnings (e.g. MaxListenersExceededWarning) are counted per
// engine and scenario instead of printed.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { git, machine, median } from './environment.js';
import { isNotRun, type CheckpointRun, type Engine, type EngineName, type NotRun, type Run } from './engines/engine.js';
import { engine as raw } from './engines/raw.js';
import { createWeftEngine } from './engines/weft.js';
import {
  differences,
  expectChain,
  expectCheckpoint,
  expectConcurrency,
  expectFanout,
  expectLongLoop,
  expectLoop,
  expectSoak,
  FULL,
  SMALL,
  type ScenarioName,
  type Sizes,
} from './scenarios/checks.js';
import { loadWeft } from './scenarios.js';
import { EXTRA_NAMES, runExtras } from './extras.js';

// ---------------------------------------------------------------------------------------------- options

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const positiveInteger = (name: string, fallback: number): number => {
  const value = Number(option(name) ?? fallback);
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`--${name} must be a positive integer, got ${option(name)}`);
  return value;
};
const reps = positiveInteger('reps', 15);
const warmups = positiveInteger('warmup', 1);
const small = args.includes('--small');
const sizes: Sizes = small ? SMALL : { ...FULL, soak: { ...FULL.soak, runs: positiveInteger('soak-runs', FULL.soak.runs) } };
const write = !args.includes('--no-write');
const target = option('weft') ?? 'dist';
if (target !== 'src' && target !== 'dist') throw new Error(`--weft must be src or dist, got ${target}`);
const only = option('only')?.split(',');
// Which peers: bench/package.json's (node20, the default: Mastra 0.24, the last for Node 20) or bench/node24's
// (Mastra 1.x, LangGraph, Google ADK-TS; Node >= 22.13; `npm run bench:node24` installs Node 24 and them).
const peersOption = option('peers') ?? 'node20';
if (peersOption !== 'node20' && peersOption !== 'node24') throw new Error(`--peers must be node20 or node24, got ${peersOption}`);
const peerSet: 'node20' | 'node24' = peersOption;
const peerNames: readonly EngineName[] = peerSet === 'node24' ? ['langgraph', 'mastra', 'adk'] : ['langgraph', 'mastra'];
const engineNames = (option('engines')?.split(',') ?? ['raw', 'weft', ...peerNames]) as EngineName[];
const gc = (globalThis as { gc?: () => void }).gc;
// weft freezes committed state unless NODE_ENV is "production" (docs/state.md); the bench measures what a deployed
// application gets unless told otherwise. Set before any engine loads: weft reads it once, when it loads.
const mode = option('mode') ?? process.env['NODE_ENV'] ?? 'production';
process.env['NODE_ENV'] = mode;

// ---------------------------------------------------------------------------------------------- engines

async function loadPeer(name: EngineName): Promise<Engine> {
  // A path in a variable: the typecheck of bench/ (Node 20) must not follow it into bench/node24.
  const module = peerSet === 'node24' ? './node24/engines/index.js' : './engines/peers.js';
  let peers: readonly Engine[];
  try {
    ({ peers } = (await import(module)) as { peers: readonly Engine[] });
  } catch (error) {
    const install = peerSet === 'node24' ? 'npm run bench:node24 installs them' : 'npm ci --prefix bench';
    throw new Error(`Could not load the ${peerSet} peers (${(error as Error).message}). Install them first: ${install}`, { cause: error });
  }
  const peer = peers.find((p) => p.name === name);
  if (peer === undefined) throw new Error(`--engines: ${name} is not a ${peerSet} peer; those are ${peers.map((p) => p.name).join(', ')}`);
  return peer;
}

const weftLabel = target === 'src' ? 'src/ through tsx' : 'tsup bundle of src/ (as published)';
const engines: Engine[] = [];
for (const name of engineNames) {
  if (name === 'raw') engines.push(raw);
  else if (name === 'weft') engines.push(createWeftEngine(await loadWeft(target), `weft ${weftLabel}`));
  else if (name === 'langgraph' || name === 'mastra' || name === 'adk') engines.push(await loadPeer(name));
  else throw new Error(`--engines: unknown engine "${String(name)}"; known: raw, weft, langgraph, mastra, adk`);
}

// -------------------------------------------------------------------------------------------- scenarios

/** What one run produced, reduced to the values checked on every sample. */
interface Checked {
  readonly problems: readonly string[];
  /** Shown in the notes column. */
  readonly note?: string;
}

interface Scenario<T> {
  readonly name: ScenarioName;
  readonly work: string;
  readonly prepare: (engine: Engine) => Run<T> | NotRun;
  /** Checks a sample; `full` also runs the expensive checks (loading every checkpoint) on the warm-up. */
  readonly check: (engine: Engine, result: T, full: boolean) => Promise<Checked>;
  readonly memory?: 'retained' | 'drift';
  /** The warm-up runs a smaller size of the same scenario (the soak: 10,000 runs would double its time). */
  readonly prepareWarmup?: (engine: Engine) => Run<T> | NotRun;
  readonly reps?: number;
}

const plain = (problems: string[], note?: string): Checked => (note === undefined ? { problems } : { problems, note });

const scenarios: Scenario<any>[] = [
  {
    name: 'chain',
    work: `${sizes.chain.length} executors in a line, each count → count + 1`,
    prepare: (e) => e.chain(sizes.chain.length),
    check: async (_, r) => plain(differences(r, expectChain(sizes.chain))),
  } satisfies Scenario<{ count: number }>,
  {
    name: 'fanout',
    work: `one start sends 0..${sizes.fanout.width - 1}; ${sizes.fanout.width} workers map i → 2i; one aggregator sums`,
    prepare: (e) => e.fanout(sizes.fanout.width),
    check: async (_, r) => plain(differences(r, expectFanout(sizes.fanout))),
  } satisfies Scenario<{ sum: number }>,
  {
    name: 'loop',
    work: `A and B alternate; A increments a counter; B routes back until ${sizes.loop.limit}`,
    prepare: (e) => e.loop(sizes.loop.limit),
    check: async (_, r) => plain(differences(r, expectLoop(sizes.loop))),
  } satisfies Scenario<{ count: number }>,
  {
    name: 'checkpoint',
    work: `the loop to ${sizes.checkpoint.limit} with ${sizes.checkpoint.keys} numeric keys in state; a checkpoint after every superstep, all kept in memory`,
    prepare: (e) => e.checkpoint(sizes.checkpoint.limit, sizes.checkpoint.keys),
    check: async (e, r, full) => {
      const expected = expectCheckpoint(e.name, sizes.checkpoint);
      if (!full) return plain(differences(r, { counter: expected.counter }));
      const inspected = await r.inspect();
      return plain(
        differences({ counter: r.counter, ...inspected }, expected),
        `${inspected.checkpoints} checkpoints, all loaded; resumed from #${inspected.checkpoints >> 1}`,
      );
    },
    memory: 'retained',
  } satisfies Scenario<CheckpointRun>,
  {
    name: 'checkpoint shared',
    work: `the checkpoint scenario with the object in shared state (weft: ctx.shared.update)`,
    prepare: (e) => e.checkpointShared?.(sizes.checkpoint.limit, sizes.checkpoint.keys) ?? { notRun: 'one kind of state: see the checkpoint row' },
    check: async (e, r, full) => {
      const expected = expectCheckpoint(e.name, sizes.checkpoint);
      if (!full) return plain(differences(r, { counter: expected.counter }));
      const inspected = await r.inspect();
      return plain(
        differences({ counter: r.counter, ...inspected }, expected),
        `${inspected.checkpoints} checkpoints, all loaded; resumed from #${inspected.checkpoints >> 1}`,
      );
    },
    memory: 'retained',
  } satisfies Scenario<CheckpointRun>,
  {
    name: 'concurrency',
    work: `${sizes.concurrency.tasks} tasks each awaiting a ${sizes.concurrency.delayMs} ms timer, at most ${sizes.concurrency.cap} in flight`,
    prepare: (e) => e.concurrency(sizes.concurrency.tasks, sizes.concurrency.cap, sizes.concurrency.delayMs),
    check: async (_, r) => plain(differences(r, expectConcurrency(sizes.concurrency)), `max in flight ${r.maxInFlight}`),
  } satisfies Scenario<{ sum: number; maxInFlight: number }>,
  {
    name: 'long loop',
    work: `a ${sizes.longLoop.supersteps}-superstep loop`,
    prepare: (e) => e.longLoop(sizes.longLoop.supersteps),
    check: async (_, r) => plain(differences(r, expectLongLoop(sizes.longLoop))),
  } satisfies Scenario<{ count: number; supersteps: number }>,
  {
    name: 'soak',
    work: `${sizes.soak.runs} runs of the chain of ${sizes.soak.length}, one after another`,
    prepare: (e) => e.soak(sizes.soak.runs, sizes.soak.length),
    prepareWarmup: (e) => e.soak(Math.max(1, Math.round(sizes.soak.runs / 20)), sizes.soak.length),
    check: async (_, r) => plain(differences(r, r.runs === sizes.soak.runs ? expectSoak(sizes.soak) : expectSoak({ ...sizes.soak, runs: r.runs }))),
    memory: 'drift',
    reps: 1,
  } satisfies Scenario<{ runs: number; total: number }>,
];

// ------------------------------------------------------------------------------------------ measurement

interface EngineResult {
  readonly engine: EngineName;
  readonly notRun?: string;
  readonly buildMs?: number;
  readonly firstRunMs?: number;
  readonly samplesMs?: readonly number[];
  readonly cpuSamplesMs?: readonly number[];
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly cpuMedianMs?: number;
  readonly vsRaw?: number;
  readonly vsWeft?: number;
  /** checkpoint: heap retained by the kept checkpoints; soak: heap drift over the runs. Bytes. */
  readonly memoryBytes?: number;
  readonly note?: string;
  readonly warnings?: Readonly<Record<string, number>>;
}

interface ScenarioResult {
  readonly name: ScenarioName;
  readonly work: string;
  readonly engines: readonly EngineResult[];
}

/** Node process warnings, counted by name for whoever is running. */
let warningSink: Map<string, number> | undefined;
process.on('warning', (warning) => {
  if (warningSink !== undefined) warningSink.set(warning.name, (warningSink.get(warning.name) ?? 0) + 1);
  else console.warn(warning);
});

/** JS heap plus ArrayBuffer contents: LangGraph's MemorySaver keeps its checkpoints as Uint8Arrays, outside the heap. */
const usedMemory = (): number => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

const fullGc = (): void => {
  (gc as () => void)();
  (gc as () => void)();
};

/** Lets warnings emitted on the next tick reach the sink of the run that caused them. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function timed<T>(run: Run<T>): Promise<{ result: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await settle();
  return { result, ms, cpuMs: (used.user + used.system) / 1000 };
}

async function measure<T>(scenario: Scenario<T>): Promise<ScenarioResult> {
  interface Entry {
    readonly engine: Engine;
    readonly run: Run<T>;
    readonly buildMs: number;
    firstRunMs: number;
    note: string | undefined;
    readonly samples: number[];
    readonly cpuSamples: number[];
    memoryBytes: number | undefined;
    readonly warnings: Map<string, number>;
  }
  const entries: Entry[] = [];
  const notRun = new Map<EngineName, string>();
  const fail = (engine: Engine, problems: readonly string[]): never => {
    throw new Error(`${scenario.name} / ${engine.name}: wrong result: ${problems.join('; ')}`);
  };

  for (const engine of engines) {
    const started = performance.now();
    const run = scenario.prepare(engine);
    const buildMs = performance.now() - started;
    if (isNotRun(run)) notRun.set(engine.name, run.notRun);
    else
      entries.push({
        engine,
        run,
        buildMs,
        firstRunMs: 0,
        note: undefined,
        samples: [],
        cpuSamples: [],
        memoryBytes: undefined,
        warnings: new Map(),
      });
  }

  // Warm-up, and the full correctness check, before any time counts.
  for (const entry of entries) {
    warningSink = entry.warnings;
    const warm = scenario.prepareWarmup?.(entry.engine);
    const warmRun = warm === undefined || isNotRun(warm) ? entry.run : warm;
    for (let i = 0; i < warmups; i++) {
      const { result, ms } = await timed(warmRun);
      const checked = await scenario.check(entry.engine, result, i === 0);
      if (checked.problems.length > 0) fail(entry.engine, checked.problems);
      if (i === 0) {
        entry.firstRunMs = ms;
        entry.note = checked.note;
      }
    }
  }

  const repetitions = scenario.reps ?? reps;
  for (let rep = 0; rep < repetitions; rep++) {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(i + rep) % entries.length] as Entry; // rotate, so no engine always runs first
      warningSink = entry.warnings;
      const measureHeap = scenario.memory === 'drift' && gc !== undefined;
      let before = 0;
      if (measureHeap) {
        fullGc();
        before = usedMemory();
      }
      const { result, ms, cpuMs } = await timed(entry.run);
      if (measureHeap) {
        fullGc();
        entry.memoryBytes = usedMemory() - before;
      }
      const checked = await scenario.check(entry.engine, result, false);
      if (checked.problems.length > 0) fail(entry.engine, checked.problems);
      entry.samples.push(ms);
      entry.cpuSamples.push(cpuMs);
    }
  }

  // Retained heap: a separate, untimed run per engine, its result held while the heap is measured.
  if (scenario.memory === 'retained' && gc !== undefined) {
    for (const entry of entries) {
      warningSink = entry.warnings;
      fullGc();
      const before = usedMemory();
      const held = await entry.run();
      await settle();
      fullGc();
      entry.memoryBytes = usedMemory() - before;
      const checked = await scenario.check(entry.engine, held, false);
      if (checked.problems.length > 0) fail(entry.engine, checked.problems);
    }
  }
  warningSink = undefined;

  const medianOf = (name: EngineName): number | undefined => {
    const entry = entries.find((e) => e.engine.name === name);
    return entry === undefined ? undefined : median(entry.samples);
  };
  const rawMedian = medianOf('raw');
  const weftMedian = medianOf('weft');
  return {
    name: scenario.name,
    work: scenario.work,
    engines: engines.map((engine): EngineResult => {
      const reason = notRun.get(engine.name);
      if (reason !== undefined) return { engine: engine.name, notRun: reason };
      const entry = entries.find((e) => e.engine === engine) as Entry;
      const medianMs = median(entry.samples);
      return {
        engine: engine.name,
        buildMs: entry.buildMs,
        firstRunMs: entry.firstRunMs,
        samplesMs: entry.samples,
        cpuSamplesMs: entry.cpuSamples,
        medianMs,
        minMs: Math.min(...entry.samples),
        cpuMedianMs: median(entry.cpuSamples),
        ...(rawMedian === undefined ? {} : { vsRaw: medianMs / rawMedian }),
        ...(weftMedian === undefined ? {} : { vsWeft: medianMs / weftMedian }),
        ...(entry.memoryBytes === undefined ? {} : { memoryBytes: entry.memoryBytes }),
        ...(entry.note === undefined ? {} : { note: entry.note }),
        ...(entry.warnings.size === 0 ? {} : { warnings: Object.fromEntries(entry.warnings) }),
      };
    }),
  };
}

// ------------------------------------------------------------------------------------------------ report

const ms = (v: number): string =>
  v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3);
const ratio = (v: number | undefined): string =>
  v === undefined ? '' : v >= 100 ? `${v.toFixed(0)}×` : v >= 10 ? `${v.toFixed(1)}×` : v >= 0.1 ? `${v.toFixed(2)}×` : `${v.toPrecision(2)}×`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** The rate a peer showed on `loop`, projected to the long loop's superstep count. */
function projection(results: readonly ScenarioResult[], engine: EngineName): string {
  const loopMs = results.find((r) => r.name === 'loop')?.engines.find((e) => e.engine === engine)?.medianMs;
  if (loopMs === undefined) return '';
  const seconds = (loopMs * sizes.longLoop.supersteps) / (2 * sizes.loop.limit) / 1000;
  return `; at its loop rate it would take ≈ ${seconds >= 10 ? seconds.toFixed(0) : seconds.toFixed(1)} s`;
}

const HEADERS = ['scenario', 'engine', 'median ms', 'min ms', 'CPU ms', 'vs raw', 'vs weft', 'memory', 'notes'];

function rows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap((result) =>
    result.engines.map((e) => {
      if (e.notRun !== undefined) {
        const extra = result.name === 'long loop' ? projection(results, e.engine) : '';
        return [result.name, e.engine, 'n/a', '', '', '', '', '', `not run: ${e.notRun}${extra}`];
      }
      const memory =
        e.memoryBytes === undefined
          ? ''
          : result.name === 'soak'
            ? `drift ${e.memoryBytes >= 0 ? '+' : ''}${mb(e.memoryBytes)}`
            : `retained ${mb(e.memoryBytes)}`;
      const notes = [
        e.note,
        result.name === 'soak' ? `${(((e.medianMs as number) * 1000) / sizes.soak.runs).toFixed(0)} µs/run` : undefined,
        e.warnings === undefined
          ? undefined
          : `warnings: ${Object.entries(e.warnings)
              .map(([n, c]) => `${n} ×${c}`)
              .join(', ')}`,
      ]
        .filter((n) => n !== undefined)
        .join('; ');
      return [
        result.name,
        e.engine,
        ms(e.medianMs as number),
        ms(e.minMs as number),
        ms(e.cpuMedianMs as number),
        e.engine === 'raw' ? '1×' : ratio(e.vsRaw),
        e.engine === 'weft' ? '1×' : ratio(e.vsWeft),
        memory,
        notes,
      ];
    }),
  );
}

function textTable(results: readonly ScenarioResult[]): string {
  const body = rows(results);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const left = new Set([0, 1, 7, 8]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
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
  const align = HEADERS.map((_, i) => (i < 2 || i > 6 ? ':--' : '--:'));
  return [HEADERS, align, ...rows(results)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

interface Target {
  readonly target: string;
  readonly met: boolean | undefined;
  readonly measured: string;
}

/** The issue's targets, judged on this run's medians (undefined: not measured in this run). */
function targets(results: readonly ScenarioResult[]): Target[] {
  const get = (scenario: ScenarioName, engine: EngineName): EngineResult | undefined =>
    results.find((r) => r.name === scenario)?.engines.find((e) => e.engine === engine && e.notRun === undefined);
  const list: Target[] = [];
  for (const [scenario, limit] of [
    ['chain', 10],
    ['fanout', 5],
    ['loop', 20],
  ] as const) {
    const weft = get(scenario, 'weft');
    const peers = (['langgraph', 'mastra', 'adk'] as const).map((p) => get(scenario, p)).filter((p): p is EngineResult => p !== undefined);
    const fastest = peers.reduce<EngineResult | undefined>(
      (best, p) => (best === undefined || (p.medianMs as number) < (best.medianMs as number) ? p : best),
      undefined,
    );
    const speedup = weft === undefined || fastest === undefined ? undefined : (fastest.medianMs as number) / (weft.medianMs as number);
    // On a busy machine wall time swings with the load; CPU time much less, so it is shown beside.
    const cpuSpeedup = weft === undefined || fastest === undefined ? undefined : (fastest.cpuMedianMs as number) / (weft.cpuMedianMs as number);
    list.push({
      target: `${scenario}: weft ≤ ${limit} ms and ≥ 10× faster than the fastest peer`,
      met: weft === undefined || fastest === undefined ? undefined : (weft.medianMs as number) <= limit && (speedup as number) >= 10,
      measured:
        weft === undefined
          ? 'not measured'
          : `${ms(weft.medianMs as number)} ms; fastest peer ${
              fastest === undefined
                ? 'not measured'
                : `${fastest.engine} ${ms(fastest.medianMs as number)} ms → ${(speedup as number).toFixed(1)}× faster (CPU: ${ms(weft.cpuMedianMs as number)} vs ${ms(fastest.cpuMedianMs as number)} ms → ${(cpuSpeedup as number).toFixed(1)}×)`
            }`,
    });
  }
  for (const name of ['checkpoint', 'checkpoint shared'] as const) {
    const checkpoint = get(name, 'weft');
    list.push({
      target: `${name}: weft ≤ 100 ms with every checkpoint kept and resumable, ≤ 5 MB retained`,
      met:
        checkpoint === undefined || checkpoint.memoryBytes === undefined
          ? undefined
          : (checkpoint.medianMs as number) <= 100 && checkpoint.memoryBytes <= 5 * 1024 * 1024,
      measured:
        checkpoint === undefined
          ? 'not measured'
          : `${ms(checkpoint.medianMs as number)} ms, ${checkpoint.memoryBytes === undefined ? 'heap not measured (run with --expose-gc)' : `${mb(checkpoint.memoryBytes)} retained`}; ${checkpoint.note ?? ''}`,
    });
  }
  const concurrency = get('concurrency', 'weft');
  list.push({
    target: 'concurrency: weft within 1.1× of raw, cap never exceeded',
    met: concurrency?.vsRaw === undefined ? undefined : concurrency.vsRaw <= 1.1,
    measured:
      concurrency === undefined
        ? 'not measured'
        : `${ms(concurrency.medianMs as number)} ms = ${ratio(concurrency.vsRaw)} raw (min: ${ratio((concurrency.minMs as number) / (get('concurrency', 'raw')?.minMs ?? Number.NaN))}); ${concurrency.note ?? ''} (checked on every run)`,
  });
  const soak = get('soak', 'weft');
  list.push({
    target: 'soak: weft heap drift ≤ 1 MB',
    met: soak?.memoryBytes === undefined ? undefined : soak.memoryBytes <= 1024 * 1024,
    measured:
      soak?.memoryBytes === undefined ? 'not measured' : `${soak.memoryBytes >= 0 ? '+' : ''}${mb(soak.memoryBytes)} after ${sizes.soak.runs} runs`,
  });
  return list;
}

const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? 'met' : 'missed');

async function main(): Promise<void> {
  const info = machine();
  const date = new Date().toISOString();
  const source = `${weftLabel}, git ${git()}`;
  console.log(`weft vs peers — ${date} — weft: ${source}`);
  console.log(`Node ${info.node}, ${info.platform}, ${info.nproc} CPU(s): ${info.cpu}; load average ${info.loadavg.join(' ')}`);
  console.log(`Engines: ${engines.map((e) => e.version).join(' · ')}`);
  console.log(`NODE_ENV=${mode}${mode === 'production' ? '' : ' (weft freezes committed state)'}.`);
  console.log(
    `${small ? 'SMALL (test) sizes. ' : ''}${warmups} warm-up run(s) per engine (checked exactly), then ${reps} interleaved repetitions (soak: 1).`,
  );
  if (gc === undefined) console.log('No gc(): run with node --expose-gc (npm run bench does) to measure memory.');
  console.log('');

  const results: ScenarioResult[] = [];
  const onlyExtras = only !== undefined && only.every((name) => (EXTRA_NAMES as readonly string[]).includes(name));
  for (const scenario of scenarios) {
    if (onlyExtras || (only !== undefined && !only.includes(scenario.name))) continue;
    process.stdout.write(`  ${scenario.name}: ${scenario.work} … `);
    const started = performance.now();
    results.push(await measure(scenario));
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  if (results.length === 0 && !onlyExtras)
    throw new Error(`--only matched no scenario; known: ${[...scenarios.map((s) => s.name), ...EXTRA_NAMES].join(', ')}`);
  if (results.length === 0) {
    runExtras(only, engineNames, target, small, mode, peerSet);
    return;
  }

  console.log(`\n${textTable(results)}\n`);
  console.log('median/min: wall-clock ms of one run (soak: of all its runs); CPU ms: median process CPU time (user + system) per run,');
  console.log('which a busy machine inflates less. vs raw / vs weft: ratio of medians. memory: JS heap + ArrayBuffers after a forced GC.');
  const judged = targets(results);
  console.log('\nTargets (weft, medians of this run):');
  for (const t of judged) console.log(`  ${verdict(t.met).padEnd(12)} ${t.target} — ${t.measured}`);
  const load = os.loadavg()[0] as number;
  if (load > info.nproc * 0.75)
    console.log(`\nWarning: load average ${load.toFixed(1)} on ${info.nproc} CPU(s) while measuring; expect noisy numbers.`);

  if (write) {
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const versions = Object.fromEntries(engines.map((e) => [e.name, e.version]));
    const meta = {
      date,
      weft: source,
      nodeEnv: mode,
      peers: peerSet,
      versions,
      ...info,
      loadavgAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
      reps,
      warmups,
      sizes,
    };
    const suffix = option('out') ?? `${peerSet === 'node24' ? '-node24' : ''}${small ? '-small' : ''}`;
    writeFileSync(new URL(`peers${suffix}.json`, dir), `${JSON.stringify({ ...meta, scenarios: results, targets: judged }, null, 2)}\n`);
    const header = `Measured ${date.slice(0, 10)} — weft: ${source} — Node ${info.node}, ${info.platform}, \`nproc\` = ${info.nproc}, CPU: ${info.cpu}, load average at start ${info.loadavg[0]}; ${warmups} warm-up run per engine, then ${reps} interleaved repetitions (soak: 1). Engines: ${engines.map((e) => e.version).join(' · ')}.`;
    const targetLines = judged.map((t) => `| ${t.target} | ${verdict(t.met)} | ${t.measured} |`).join('\n');
    writeFileSync(
      new URL(`peers${suffix}.md`, dir),
      `${header}\n\n${markdownTable(results)}\n\n| target | verdict | measured |\n| :-- | :-- | :-- |\n${targetLines}\n`,
    );
    console.log(`\nWrote bench/results/peers${suffix}.json and bench/results/peers${suffix}.md.`);
  }
  runExtras(only, engineNames, target, small, mode, peerSet);
}

await main();
