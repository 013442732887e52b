// One fresh process of bench/cold.ts: loads one engine, builds the 1,000-step chain, runs it --runs times (each
// checked), optionally forcing a GC before every run, and prints one JSON line of timings (ms). Not run by hand.
import { performance } from 'node:perf_hooks';
import type { Engine } from './engines/engine.js';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const name = arg('engine') ?? 'weft';
const runs = Number(arg('runs') ?? 10);
const length = Number(arg('length') ?? 1000);
const warm = Number(arg('warm') ?? 0); // runs before the timed ones (GC study)
const forceGc = process.argv.includes('--gc');
const gc = (globalThis as { gc?: () => void }).gc;
if (forceGc && gc === undefined) throw new Error('--gc needs node --expose-gc');

const startedAt = performance.now(); // since the process started (performance.timeOrigin)
let engine: Engine;
if (name === 'weft') {
  const dist = arg('dist');
  const weft = dist === undefined ? await import('../src/index.js') : ((await import(dist)) as typeof import('../src/index.js'));
  engine = (await import('./engines/weft.js')).createWeftEngine(weft, 'weft');
} else if (name === 'raw') engine = (await import('./engines/raw.js')).engine;
else if (name === 'langgraph' || name === 'mastra' || name === 'adk') {
  // Only this engine's module, from bench/engines (Node 20 peers) or bench/node24/engines (--peers=node24).
  const path = arg('peers') === 'node24' ? `./node24/engines/${name}.js` : `./engines/${name}.js`;
  engine = ((await import(path)) as { engine: Engine }).engine;
} else throw new Error(`--engine: unknown engine "${name}"`);
const loadedAt = performance.now();
const run = engine.chain(length);
const builtAt = performance.now();
const samples: number[] = [];
const cpuSamples: number[] = [];
for (let i = 0; i < warm + runs; i++) {
  if (forceGc) (gc as () => void)();
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = await run();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  if (result.count !== length) throw new Error(`${name}: chain gave ${result.count}, expected ${length}`);
  if (i >= warm) {
    samples.push(ms);
    cpuSamples.push((used.user + used.system) / 1000);
  }
}
console.log(
  JSON.stringify({
    engine: name,
    version: engine.version,
    processToScriptMs: startedAt,
    loadMs: loadedAt - startedAt,
    buildMs: builtAt - loadedAt,
    runsMs: samples,
    runsCpuMs: cpuSamples,
  }),
);
