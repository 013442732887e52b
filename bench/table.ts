// Prints bench/README.md's issue-15 tables, one per Node version, from the JSON the benchmarks write into
// bench/results/ (run.ts: peers*.json; cold.ts: cold*.json; state.ts: state-node*.json; durable.ts:
// durable-node*.json; load.ts: load-node*.json). The previous figures come from bench/baseline.json, so they stay
// beside the new ones. A figure whose run started at a load average above the machine's core count is marked †.
//
//   npx tsx bench/table.ts                          # every known JSON in bench/results/
//   npx tsx bench/table.ts bench/results/peers.json bench/results/peers-node24.json …
//   npx tsx bench/table.ts --readme                 # also puts them into bench/README.md between the table markers
//
// Several files of one kind and Node version: the later one on the command line (or by name) wins per scenario.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Json = Record<string, any>;
interface Source {
  readonly file: string;
  readonly data: Json;
  readonly major: string;
  readonly loaded: boolean;
}

const ENGINES = ['raw', 'weft', 'langgraph', 'mastra', 'adk'] as const;
type EngineName = (typeof ENGINES)[number];

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const paths =
  files.length > 0
    ? files
    : readdirSync(resultsDir)
        .filter((f) => /^(peers|cold|state|durable|load)[-\w]*\.json$/.test(f) && !f.includes('-small'))
        .sort()
        .map((f) => `${resultsDir}${f}`);

const sources: Source[] = paths.map((file) => {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const node = String(data['node'] ?? '');
  const major = /^v?(\d+)/.exec(node)?.[1];
  if (major === undefined) throw new Error(`${file}: no "node" version in it; is it a bench result?`);
  const load = Number((data['loadavg'] as number[] | undefined)?.[0] ?? data['loadAverage'] ?? 0);
  const cores = Number(data['nproc'] ?? data['cpus'] ?? 2);
  return { file, data, major, loaded: load > cores };
});
const baseline = JSON.parse(readFileSync(new URL('./baseline.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;

const kind = (s: Source): string => {
  const d = s.data;
  if (Array.isArray(d['scenarios'])) return 'peers';
  if (Array.isArray(d['engines']) && 'warm' in d) return d['warm'] > 0 ? (d['gc'] ? 'cold-warm-gc' : 'cold-warm') : 'cold';
  if (Array.isArray(d['rows'])) return 'state';
  if ('perRun' in d) return 'durable';
  if ('requestsPerSecond' in d) return String(d['mode']).startsWith('wait') ? 'load-wait' : 'load';
  return 'unknown';
};

const f = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3));
const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Row {
  readonly key: string;
  readonly scenario: string;
  readonly target: string;
  readonly cells: Partial<Record<EngineName, string>>;
  readonly verdict: string;
  readonly command: string;
  readonly loaded: boolean;
}

function rowsFor(major: string): Row[] {
  const mine = sources.filter((s) => s.major === major);
  const latest = (k: string): Source | undefined => mine.filter((s) => kind(s) === k).at(-1);
  const node24 = major !== '20';
  const bench = node24 ? 'npm run bench:node24 --' : 'npm run bench --';
  const script = (name: string, args = ''): string =>
    node24 ? `bash bench/node24/run.sh bench/${name}.ts${args === '' ? '' : ` ${args}`}` : `npx tsx bench/${name}.ts${args === '' ? '' : ` ${args}`}`;
  const rows: Row[] = [];
  const add = (row: Omit<Row, 'loaded'> & { source: Source | undefined }): void => {
    const { source, ...rest } = row;
    rows.push({ ...rest, loaded: source?.loaded ?? false });
  };

  // run.ts: every scenario, the last file that has it.
  const peerFiles = mine.filter((s) => kind(s) === 'peers');
  const scenario = (name: string): { source: Source; result: Json } | undefined => {
    for (const source of [...peerFiles].reverse()) {
      const result = (source.data['scenarios'] as Json[]).find((r) => r['name'] === name);
      if (result !== undefined) return { source, result };
    }
    return undefined;
  };
  const engineOf = (result: Json | undefined, engine: EngineName): Json | undefined =>
    (result?.['engines'] as Json[] | undefined)?.find((e) => e['engine'] === engine);
  const timing = (result: Json | undefined, withMemory: boolean): Partial<Record<EngineName, string>> => {
    const cells: Partial<Record<EngineName, string>> = {};
    for (const engine of ENGINES) {
      const e = engineOf(result, engine);
      if (e === undefined) continue;
      if (e['notRun'] !== undefined) {
        cells[engine] = 'n/a';
        continue;
      }
      const ratio = engine === 'weft' || engine === 'raw' || e['vsWeft'] === undefined ? '' : ` (${f(e['vsWeft'])}× weft)`;
      const memory = withMemory && e['memoryBytes'] !== undefined ? `, ${(e['memoryBytes'] / 1048576).toFixed(2)} MB` : '';
      cells[engine] = `${f(e['medianMs'])} ms${ratio}${memory}`;
    }
    return cells;
  };
  const steady: [string, string, string, (weft: Json, peersFastest: number | undefined) => boolean][] = [
    [
      'chain',
      'chain, steady state (1,000 steps)',
      'weft ≤ 10 ms, ≥ 10× the fastest peer',
      (w, p) => w['medianMs'] <= 10 && (p ?? 0) / w['medianMs'] >= 10,
    ],
    [
      'fanout',
      'fan-out, steady state (1,000 workers)',
      'weft ≤ 3× raw (issue 15); ≤ 5 ms, ≥ 10× the fastest peer',
      (w, p) => w['vsRaw'] <= 3 && w['medianMs'] <= 5 && (p ?? 0) / w['medianMs'] >= 10,
    ],
    [
      'loop',
      'loop, steady state (4,000 supersteps)',
      'weft ≤ 20 ms, ≥ 10× the fastest peer',
      (w, p) => w['medianMs'] <= 20 && (p ?? 0) / w['medianMs'] >= 10,
    ],
  ];
  for (const [name, label, target, met] of steady) {
    const found = scenario(name);
    const weft = engineOf(found?.result, 'weft');
    const peerMedians = (['langgraph', 'mastra', 'adk'] as const)
      .map((p) => engineOf(found?.result, p))
      .filter((e) => e !== undefined && e['notRun'] === undefined)
      .map((e) => e?.['medianMs'] as number);
    const fastest = peerMedians.length === 0 ? undefined : Math.min(...peerMedians);
    add({
      key: name,
      scenario: label,
      target,
      cells: timing(found?.result, false),
      verdict: weft === undefined || weft['notRun'] !== undefined ? 'not measured' : met(weft, fastest) ? 'met' : 'missed',
      command: `${bench} --only=${name}`,
      source: found?.source,
    });
  }
  for (const name of ['checkpoint', 'checkpoint shared']) {
    const found = scenario(name);
    const weft = engineOf(found?.result, 'weft');
    add({
      key: name,
      scenario: `${name === 'checkpoint' ? 'checkpoint, executor state' : 'checkpoint, shared state'}: loop to 500, 10k keys, all 1,001 kept`,
      target: 'weft ≤ 100 ms, ≤ 5 MB retained, loadable and resumable',
      cells: timing(found?.result, true),
      verdict:
        weft?.['medianMs'] === undefined
          ? 'not measured'
          : weft['medianMs'] <= 100 && (weft['memoryBytes'] ?? Number.POSITIVE_INFINITY) <= 5 * 1048576
            ? 'met'
            : 'missed',
      command: `${bench} --only="${name}"`,
      source: found?.source,
    });
  }
  for (const [name, label, target] of [
    ['concurrency', 'concurrency: 500 timers, 50 in flight', 'weft ≤ 1.1× raw'],
    ['soak', 'soak: 10,000 runs of a chain of 10', 'weft heap drift ≤ 1 MB'],
  ] as const) {
    const found = scenario(name);
    const weft = engineOf(found?.result, 'weft');
    add({
      key: name,
      scenario: label,
      target,
      cells: timing(found?.result, name === 'soak'),
      verdict:
        weft?.['medianMs'] === undefined
          ? 'not measured'
          : (name === 'concurrency' ? weft['vsRaw'] <= 1.1 : (weft['memoryBytes'] ?? Number.POSITIVE_INFINITY) <= 1048576)
            ? 'met'
            : 'missed',
      command: `${bench} --only=${name}`,
      source: found?.source,
    });
  }

  // cold.ts: a fresh process per sample.
  const cold = latest('cold');
  const coldCells = (source: Source | undefined, cell: (runs: number[][]) => string): Partial<Record<EngineName, string>> => {
    const cells: Partial<Record<EngineName, string>> = {};
    for (const e of (source?.data['engines'] as Json[] | undefined) ?? [])
      cells[e['engine'] as EngineName] = cell((e['processes'] as Json[]).map((p) => p['runsMs'] as number[]));
    return cells;
  };
  const weftCold = (cold?.data['engines'] as Json[] | undefined)?.find((e) => e['engine'] === 'weft');
  const firstRun = weftCold === undefined ? undefined : median((weftCold['processes'] as Json[]).map((p) => p['runsMs'][0] as number));
  add({
    key: 'first run',
    scenario: 'chain, first run in a fresh process',
    target: 'weft ≤ 15 ms',
    cells: coldCells(cold, (runs) => `${f(median(runs.map((r) => r[0] as number)))} ms`),
    verdict: firstRun === undefined ? 'not measured' : firstRun <= 15 ? 'met' : 'missed',
    command: script('cold', node24 ? '--peers=node24' : ''),
    source: cold,
  });
  add({
    key: 'first ten',
    scenario: 'chain, first ten runs in a fresh process (Σ)',
    target: 'report',
    cells: coldCells(cold, (runs) => `${f(median(runs.map((r) => r.slice(0, 10).reduce((a, b) => a + b, 0))))} ms`),
    verdict: '—',
    command: script('cold', node24 ? '--peers=node24' : ''),
    source: cold,
  });
  const warm = latest('cold-warm');
  const warmGc = latest('cold-warm-gc');
  const steadyOf = (source: Source | undefined): Partial<Record<EngineName, number>> => {
    const out: Partial<Record<EngineName, number>> = {};
    for (const e of (source?.data['engines'] as Json[] | undefined) ?? [])
      out[e['engine'] as EngineName] = median((e['processes'] as Json[]).flatMap((p) => (p['runsMs'] as number[]).slice(2)));
    return out;
  };
  const without = steadyOf(warm);
  const withGc = steadyOf(warmGc);
  const gcCells: Partial<Record<EngineName, string>> = {};
  for (const engine of ENGINES)
    if (without[engine] !== undefined || withGc[engine] !== undefined)
      gcCells[engine] = `${without[engine] === undefined ? '—' : f(without[engine])} / ${withGc[engine] === undefined ? '—' : f(withGc[engine])} ms`;
  add({
    key: 'gc',
    scenario: 'warm chain (after 20 runs): without / with gc() before each run',
    target: 'weft with gc() ≤ 2× without',
    cells: gcCells,
    verdict: without.weft === undefined || withGc.weft === undefined ? 'not measured' : withGc.weft <= 2 * without.weft ? 'met' : 'missed',
    command: `${script('cold', `${node24 ? '--peers=node24 ' : ''}--engines=raw,weft --warm=20 [--gc]`)}`,
    source: warmGc ?? warm,
  });

  // state.ts: µs per superstep.
  // state.ts: one file per set of key counts; the last file that has a key count wins.
  const stateFiles = mine.filter((s) => kind(s) === 'state');
  const stateFor = (keys: number): Source | undefined =>
    [...stateFiles].reverse().find((s) => (s.data['rows'] as Json[]).some((r) => r['keys'] === keys));
  const stateRow = (keys: number, checkpoints: boolean): Partial<Record<EngineName, string>> & { worst?: number } => {
    const rows = ((stateFor(keys)?.data['rows'] as Json[] | undefined) ?? []).filter(
      (r) => r['keys'] === keys && (r['checkpoints'] === 'none') === !checkpoints,
    );
    if (rows.length === 0) return {};
    const of = (k: string): Json | undefined => rows.find((r) => r['state'] === k);
    const ms = (r: Json | undefined): string => (r === undefined ? '—' : `${f(r['usPerSuperstep'] / 1000)} ms`);
    return {
      weft: `executor ${ms(of('executor'))}, shared ${ms(of('shared'))} (loop alone ${f((rows[0]?.['loopAloneUs'] ?? 0) / 1000)} ms)`,
      worst: Math.max(...rows.map((r) => r['usPerSuperstep'] as number)),
    };
  };
  for (const [keys, checkpoints, label, target] of [
    [10_000, false, 'one superstep, 10k-key state, one key written', 'weft ≤ 0.2 ms'],
    [10_000, true, 'the same with every checkpoint kept', 'weft ≤ 0.2 ms'],
    [1_000_000, false, 'one superstep, 1,000,000-key state (the slope)', 'report'],
    [1_000_000, true, 'the same with every checkpoint kept', 'report'],
  ] as const) {
    const { worst, ...cells } = stateRow(keys, checkpoints);
    add({
      key: `state ${keys} ${checkpoints}`,
      scenario: label,
      target,
      cells,
      verdict: worst === undefined ? 'not measured' : target === 'report' ? '—' : worst <= 200 ? 'met' : 'missed',
      command: script('state', `--keys=${keys}`),
      source: stateFor(keys),
    });
  }

  const durable = latest('durable');
  add({
    key: 'durable',
    scenario: "durable latency: 3 steps on SQLite, durability 'sync' (p50 / p99)",
    target: 'report',
    cells:
      durable === undefined
        ? {}
        : {
            weft: `run ${f(durable.data['perRun'].p50)} / ${f(durable.data['perRun'].p99)} ms; superstep ${f(durable.data['perSuperstep'].p50)} / ${f(durable.data['perSuperstep'].p99)} ms`,
          },
    verdict: '—',
    command: script('durable'),
    source: durable,
  });
  add({
    key: 'postgres',
    scenario: 'durable latency: 3 steps on Postgres (p50 / p99)',
    target: 'report',
    cells: {},
    verdict: '—',
    command: script('durable-latency'),
    source: undefined,
  });
  for (const [k, label] of [
    ['load', 'HTTP server on loopback, 202 mode: invocations/s, p99'],
    ['load-wait', 'HTTP server on loopback, wait for the result: invocations/s, p99'],
  ] as const) {
    const load = latest(k);
    add({
      key: k,
      scenario: label,
      target: 'report',
      cells: load === undefined ? {} : { weft: `${f(load.data['requestsPerSecond'])} req/s, p99 ${f(load.data['latencyMs'].p99)} ms` },
      verdict: '—',
      command: `npm run build && ${script('load', k === 'load-wait' ? '--wait' : '')}`,
      source: load,
    });
  }
  return rows;
}

const out: string[] = [];
const majors = [...new Set([...sources.map((s) => s.major), ...Object.keys(baseline).map((k) => k.replace(/^node/, ''))])].sort();
for (const major of majors) {
  const rows = rowsFor(major);
  const before = baseline[`node${major}`] ?? {};
  const mine = sources.filter((s) => s.major === major);
  const engines = ENGINES.filter((e) => e === 'raw' || e === 'weft' || rows.some((r) => r.cells[e] !== undefined));
  const versions = new Set<string>();
  for (const s of mine) for (const v of Object.values((s.data['versions'] as Record<string, string> | undefined) ?? {})) versions.add(v);
  const nodes = [...new Set(mine.map((s) => String(s.data['node'])))].join(', ') || 'no run';
  const loads = mine.map((s) => Number((s.data['loadavg'] as number[] | undefined)?.[0] ?? s.data['loadAverage'] ?? Number.NaN));
  const dates = [...new Set(mine.map((s) => String(s.data['date'] ?? '').slice(0, 10)))].filter((d) => d !== '').join(', ');
  out.push(`### Node ${major} (${nodes})\n`);
  out.push(
    `Measured ${dates || '—'}; load average at the start of the runs ${loads.length === 0 ? '—' : `${f(Math.min(...loads))}–${f(Math.max(...loads))}`}` +
      ` († = measured under load: above the core count). Engines: ${[...versions].join(' · ') || '—'}.\n`,
  );
  const headers = ['scenario', 'target', 'before', ...engines, 'verdict', 'command'];
  out.push(`| ${headers.join(' | ')} |`);
  out.push(`| ${headers.map(() => ':--').join(' | ')} |`);
  for (const row of rows) {
    const mark = row.loaded ? ' †' : '';
    const cells = engines.map((e) => {
      const cell = row.cells[e];
      if (cell === undefined) return e === 'weft' && row.key === 'postgres' ? 'see the Postgres table' : '';
      return cell === 'n/a' ? cell : `${cell}${mark}`;
    });
    const missing = engines.every((e) => row.cells[e] === undefined) && row.key !== 'postgres';
    out.push(
      `| ${row.scenario} | ${row.target} | ${before[row.key] ?? '—'} | ${cells.join(' | ')} | ${missing ? 'not measured' : row.verdict} | \`${row.command}\` |`,
    );
  }
  out.push('');
}
const tables = out.join('\n');
console.log(tables);
if (process.argv.includes('--readme')) {
  const readme = new URL('./README.md', import.meta.url);
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- tables:start (npx tsx bench/table.ts --readme) -->';
  const end = '<!-- tables:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no ${start} … ${end} markers to put the tables between`);
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n\n${tables}\n${text.slice(to)}`);
  console.log('Wrote the tables into bench/README.md.');
}
