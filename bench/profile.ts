// CPU profile of one overhead scenario in steady state, summarised by function and by file.
//
//   npx tsx bench/profile.ts chain                       # weft run · validate all, 5 s of samples
//   npx tsx bench/profile.ts loop --api=stream --validate=edges-only --seconds=10
//   npx tsx bench/profile.ts chain --weft=dist          # the tsup bundle, without tsx's keepNames wrappers
//   npx tsx bench/profile.ts chain --callers=now        # who calls functions whose label contains "now"
//
// The scenario is warmed up first (JIT), then profiled through node:inspector for --seconds of back-to-back
// runs at a 50 µs sampling interval, so compilation and warm-up do not pollute the profile. Writes
// bench/results/profile-<scenario>-<api>-<validate>.cpuprofile (open it in Chrome DevTools or speedscope) and
// prints: self time by function, inclusive time of weft functions (share of samples whose stack contains
// the function), and self time by file. Positions are mapped back to the TypeScript sources.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ValidationMode } from '../src/index.js';
import { createScenarios, loadWeft, runOnce, streamOnce } from './scenarios.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const target = option('weft') ?? 'src';
if (target !== 'src' && target !== 'dist') throw new Error(`--weft must be src or dist, got ${target}`);
const scenarios = createScenarios(await loadWeft(target));
const scenarioName = args.find((a) => !a.startsWith('--')) ?? 'chain';
const scenario = scenarios.find((s) => s.name === scenarioName);
if (scenario === undefined) throw new Error(`unknown scenario "${scenarioName}"; known: ${scenarios.map((s) => s.name).join(', ')}`);
const api = (option('api') ?? 'run') as 'run' | 'stream';
const validate = (option('validate') ?? 'all') as ValidationMode;
const seconds = Number(option('seconds') ?? 5);
const top = Number(option('top') ?? 30);
const callersOf = option('callers');
const lineFunctions = Number(option('lines') ?? 8);
const once = api === 'run' ? runOnce : streamOnce;

const workflow = scenario.build();
for (let i = 0; i < 20; i++) {
  const outcome = await once(workflow, scenario.input, validate);
  if (outcome.outputs[0] !== scenario.expected) throw new Error(`${scenario.name}: got ${String(outcome.outputs[0])}, expected ${scenario.expected}`);
}

// ------------------------------------------------------------------------------------------------ profile

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
  /** Samples per line (1-based, in the generated code) while this node was on top of the stack. */
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
let runs = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  await once(workflow, scenario.input, validate);
  runs++;
}
const elapsedMs = performance.now() - started;
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
session.disconnect();

const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = `profile-${scenario.name}-${api}-${validate}-${target}.cpuprofile`;
writeFileSync(new URL(file, dir), JSON.stringify(profile));

// ------------------------------------------------------------------------------------------------ analyse

const root = fileURLToPath(new URL('..', import.meta.url));
const shortUrl = (url: string): string => {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? path.slice(root.length) : path.replace(/^.*node_modules\//, 'node_modules/');
};

/** Maps a generated position back through the source map (tsx's, or the bundle's) when there is one. */
const original = (url: string, line0: number, column0: number): { url: string; line: number } => {
  if (!url.startsWith('file://')) return { url, line: line0 + 1 };
  const entry = findSourceMap(url)?.findEntry(line0, column0) as { originalLine?: number; originalSource?: string } | undefined;
  if (entry?.originalLine === undefined) return { url, line: line0 + 1 };
  const source =
    entry.originalSource === undefined || entry.originalSource === ''
      ? url
      : entry.originalSource.startsWith('file://')
        ? entry.originalSource
        : new URL(entry.originalSource, url).href;
  return { url: source, line: entry.originalLine + 1 };
};

/** `name (file:line)`, with the position mapped back to the TypeScript source. */
const labels = new Map<number, { label: string; file: string; fn: string }>();
const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const { url: source, line } = original(url, lineNumber, columnNumber);
  const shortFile = shortUrl(source);
  const fn = functionName === '' ? '(anonymous)' : functionName;
  labels.set(node.id, { label: shortFile === '' ? fn : `${fn} (${shortFile}:${line})`, file: shortFile === '' ? `(${fn})` : shortFile, fn });
}

const total = profile.samples.length;
const selfByFn = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const sample of profile.samples) {
  const own = labels.get(sample);
  if (own === undefined) continue;
  selfByFn.set(own.label, (selfByFn.get(own.label) ?? 0) + 1);
  selfByFile.set(own.file, (selfByFile.get(own.file) ?? 0) + 1);
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
    const label = labels.get(id)?.label;
    if (label !== undefined && !seen.has(label)) {
      seen.add(label);
      inclusive.set(label, (inclusive.get(label) ?? 0) + 1);
    }
  }
}

const pct = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>, filter: (label: string) => boolean = () => true, limit = top): void => {
  console.log(`\n${title}`);
  for (const [label, count] of [...map]
    .filter(([label]) => filter(label))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit))
    console.log(`  ${pct(count)}  ${label}`);
};

const perRunUs = (elapsedMs * 1000) / runs;
console.log(`${scenario.name} · weft ${api} · validate ${validate} · weft from ${target}: ${runs} runs in ${(elapsedMs / 1000).toFixed(1)} s`);
console.log(`  ${(perRunUs / 1000).toFixed(2)} ms/run, ${(perRunUs / scenario.supersteps).toFixed(2)} µs/superstep (profiler on), ${total} samples`);
console.log(`  wrote bench/results/${file}`);
print('Self time by function', selfByFn);
print('Inclusive time of weft functions (src/)', inclusive, (label) => label.includes('src/'));
print('Self time by file', selfByFile, () => true, 20);

// Hottest source lines of the functions with the most self time (lines of inlined callees count for the caller).
const generatedText = new Map<string, string[]>();
const generatedLine = (url: string, line1: number): string | undefined => {
  if (!generatedText.has(url)) {
    try {
      generatedText.set(url, readFileSync(fileURLToPath(url), 'utf8').split('\n'));
    } catch {
      generatedText.set(url, []);
    }
  }
  return generatedText.get(url)?.[line1 - 1];
};
const sourceText = new Map<string, string[]>();
const sourceLine = (url: string, line1: number): string => {
  if (!sourceText.has(url)) {
    try {
      sourceText.set(url, readFileSync(fileURLToPath(url), 'utf8').split('\n'));
    } catch {
      sourceText.set(url, []);
    }
  }
  return (sourceText.get(url)?.[line1 - 1] ?? '').trim().slice(0, 110);
};
const lineTicks = new Map<string, Map<string, number>>();
for (const node of profile.nodes) {
  const label = labels.get(node.id)?.label;
  if (label === undefined || node.positionTicks === undefined) continue;
  const { url } = node.callFrame;
  let lines = lineTicks.get(label);
  if (lines === undefined) lineTicks.set(label, (lines = new Map()));
  for (const { line, ticks } of node.positionTicks) {
    // Map the first non-blank column of the generated line; a bundle keeps one statement per line.
    const text = generatedLine(url, line);
    const column = text === undefined ? 0 : Math.max(0, text.search(/\S/));
    const where = original(url, line - 1, column);
    const key = `${shortUrl(where.url)}:${where.line}  ${sourceLine(where.url, where.line)}`;
    lines.set(key, (lines.get(key) ?? 0) + ticks);
  }
}
console.log(`\nHottest lines of the ${lineFunctions} weft functions with the most self time (% of all samples)`);
for (const [label] of [...selfByFn]
  .filter(([l]) => l.includes('src/'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, lineFunctions)) {
  console.log(`  ${label}`);
  for (const [line, ticks] of [...(lineTicks.get(label) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 6))
    console.log(`    ${pct(ticks)}  ${line}`);
}

if (callersOf !== undefined) {
  const callers = new Map<string, number>();
  for (const sample of profile.samples) {
    // The innermost frame on the stack that matches, and whoever called it: inclusive time, by caller.
    let id: number | undefined = sample;
    while (id !== undefined && !(labels.get(id)?.label.includes(callersOf) ?? false)) id = parent.get(id);
    if (id === undefined) continue;
    const up = parent.get(id);
    const label = up === undefined ? '(root)' : (labels.get(up)?.label ?? '?');
    callers.set(label, (callers.get(label) ?? 0) + 1);
  }
  print(`Time spent in functions matching "${callersOf}" (their callees included), by caller`, callers);
}
