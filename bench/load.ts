// Load test of weft/server: many concurrent invocations over HTTP on loopback against a server in its own process
// on the SQLite run store; then every run must reach its terminal status with the right output, none lost.
//
//   npx tsx bench/load.ts                                  # 2,000 invocations, 100 at a time, weft from dist/ (npm run build first)
//   npx tsx bench/load.ts --total=500 --concurrency=50 --weft=src --no-write
//   npx tsx bench/load.ts --wait                           # each request waits for its run to end (wait: true)
//
// The client is a loop of `concurrency` workers on Node's fetch (undici, keep-alive), each sending its next POST
// as soon as the previous one is answered. Latency is per request, from send to the parsed answer. Then the
// check: the runs are listed through GET /runs and read one by one through GET /runs/:id until none is running.
// Writes bench/results/load-node<major>[-wait].json and .md (git-ignored; the JSON is read by bench/table.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

type Core = typeof import('../src/index.js');
type Server = typeof import('../src/server/index.js');
type Sqlite = typeof import('../src/sqlite/index.js');

/** The workflow under load: three supersteps, a checkpoint after each, like a small triage pipeline. */
export function loadWorkflow(core: Core) {
  const parse = core.executor({
    id: 'parse',
    input: z.object({ id: z.number(), text: z.string() }),
    output: z.object({ id: z.number(), words: z.array(z.string()) }),
    handle: (ticket, ctx) => ctx.send({ id: ticket.id, words: ticket.text.split(' ') }),
  });
  const score = core.executor({
    id: 'score',
    input: z.object({ id: z.number(), words: z.array(z.string()) }),
    output: z.object({ id: z.number(), score: z.number() }),
    handle: async (parsed, ctx) => {
      await new Promise((resolve) => setImmediate(resolve)); // an await, as a model or tool call would have
      ctx.send({ id: parsed.id, score: parsed.words.length });
    },
  });
  const route = core.executor({
    id: 'route',
    input: z.object({ id: z.number(), score: z.number() }),
    handle: (scored, ctx) => ctx.output(`${scored.id}:${scored.score > 3 ? 'long' : 'short'}`),
  });
  return new core.WorkflowBuilder({ name: 'ticket', start: parse, output: z.string() }).addEdge(parse, score).addEdge(score, route).build();
}

export const loadInput = (id: number): { id: number; text: string } => ({ id, text: id % 2 === 0 ? 'printer is on fire again' : 'reset password' });
export const expectedOutput = (id: number): string => `${id}:${id % 2 === 0 ? 'long' : 'short'}`;

export interface LoadResult {
  /** Run id by invocation index (undefined when the request failed). */
  readonly runIds: readonly (string | undefined)[];
  readonly latenciesMs: readonly number[];
  /** Status codes that were not 2xx, and network errors, with their counts. */
  readonly failures: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** Sends `total` invocations of `workflow`, `concurrency` at a time. */
export async function invokeMany(
  url: string,
  options: { readonly total: number; readonly concurrency: number; readonly workflow?: string; readonly wait?: boolean },
): Promise<LoadResult> {
  const runIds: (string | undefined)[] = new Array(options.total).fill(undefined);
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++;
      const body = JSON.stringify({ input: loadInput(index), ...(options.wait === true ? { wait: true } : {}) });
      const sent = performance.now();
      try {
        const response = await fetch(`${url}/workflows/${options.workflow ?? 'ticket'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const answer = (await response.json()) as { runId?: string };
        latenciesMs.push(performance.now() - sent);
        if (response.ok) runIds[index] = answer.runId;
        else failures[`HTTP ${response.status}`] = (failures[`HTTP ${response.status}`] ?? 0) + 1;
      } catch (error) {
        const key = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { runIds, latenciesMs, failures, durationMs: performance.now() - started };
}

export interface Verification {
  /** Runs listed by GET /runs. */
  readonly listed: number;
  readonly completed: number;
  /** Invocations answered with a run id whose run is not stored, or not listed. */
  readonly lost: readonly string[];
  /** Runs that ended otherwise than completed with the expected output. */
  readonly wrong: readonly string[];
  /** From the start of the check until no run was running. */
  readonly drainMs: number;
}

/** Waits until no run is running (bounded), then checks every invocation's run through the HTTP API. */
export async function verifyRuns(url: string, runIds: readonly (string | undefined)[], timeoutMs = 120_000): Promise<Verification> {
  const started = performance.now();
  const listAll = async (): Promise<Map<string, { status: string; outputs: unknown[] }>> => {
    const runs = new Map<string, { status: string; outputs: unknown[] }>();
    let cursor: string | null = null;
    do {
      const page = (await (await fetch(`${url}/runs?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)).json()) as {
        runs: { id: string; status: string; outputs: unknown[] }[];
        nextCursor: string | null;
      };
      for (const run of page.runs) runs.set(run.id, run);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return runs;
  };
  let runs = await listAll();
  while ([...runs.values()].some((run) => run.status === 'running')) {
    if (performance.now() - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    runs = await listAll();
  }
  const drainMs = performance.now() - started;
  const lost: string[] = [];
  const wrong: string[] = [];
  let completed = 0;
  for (const [index, runId] of runIds.entries()) {
    if (runId === undefined) continue;
    const response = await fetch(`${url}/runs/${runId}`);
    if (response.status !== 200 || !runs.has(runId)) {
      lost.push(runId);
      continue;
    }
    const { run } = (await response.json()) as { run: { status: string; outputs: unknown[] } };
    if (run.status === 'completed' && run.outputs.length === 1 && run.outputs[0] === expectedOutput(index)) completed++;
    else wrong.push(`${runId} (${run.status}, ${JSON.stringify(run.outputs)})`);
  }
  return { listed: runs.size, completed, lost, wrong, drainMs };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

// ------------------------------------------------------------------------------------------ server process

async function loadWeft(target: string): Promise<{ core: Core; server: Server; sqlite: Sqlite }> {
  if (target === 'src')
    return { core: await import('../src/index.js'), server: await import('../src/server/index.js'), sqlite: await import('../src/sqlite/index.js') };
  const dist = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href;
  return {
    core: (await import(dist('index.js'))) as Core,
    server: (await import(dist('server.js'))) as Server,
    sqlite: (await import(dist('sqlite.js'))) as Sqlite,
  };
}

/** The server: a runtime on the SQLite file, the ticket workflow public; prints its URL as one JSON line. */
async function serveLoad(file: string, target: string): Promise<void> {
  const { core, server, sqlite } = await loadWeft(target);
  const store = sqlite.openSqliteRunStore(file);
  const runtime = core.createRuntime({ workflows: { ticket: loadWorkflow(core) }, store });
  const app = server.createApp({ runtime, expose: { ticket: { route: server.allow, runs: server.allow } } });
  const running = await server.serve(app);
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  process.once('SIGTERM', () => {
    void running
      .close()
      .then(() => runtime.close())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

function startServer(file: string, target: string): Promise<{ readonly url: string; readonly child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--serve=${file}`, `--weft=${target}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline >= 0) resolve({ url: (JSON.parse(output.slice(0, newline)) as { url: string }).url, child });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const target = option('weft') ?? 'dist';
  if (target !== 'src' && target !== 'dist') throw new Error(`--weft must be src or dist, got ${target}`);
  const serveFile = option('serve');
  if (serveFile !== undefined) return serveLoad(serveFile, target);

  const total = Number(option('total') ?? 2000);
  const concurrency = Number(option('concurrency') ?? 100);
  const wait = args.includes('--wait');
  const directory = mkdtempSync(join(os.tmpdir(), 'weft-load-'));
  const { url, child } = await startServer(join(directory, 'load.db'), target);
  try {
    // Warm-up: the server's code paths and the connection pool, not counted (a separate set of runs, also checked).
    const warm = await invokeMany(url, { total: Math.min(200, total), concurrency, wait });
    const load = await invokeMany(url, { total, concurrency, wait });
    const check = await verifyRuns(url, load.runIds);
    const warmCheck = await verifyRuns(url, warm.runIds);
    const answered = [...warm.runIds, ...load.runIds].filter((id) => id !== undefined).length;
    const unaccounted = check.listed - answered; // runs stored that no answer named (or named but not stored: negative)
    const sorted = [...load.latenciesMs].sort((a, b) => a - b);
    const row = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg()[0],
      weft: target,
      mode: wait ? 'wait: true' : '202 (no wait)',
      total,
      concurrency,
      requestsPerSecond: (load.latenciesMs.length / load.durationMs) * 1000,
      latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN },
      failures: load.failures,
      runs: {
        answered: load.runIds.filter((id) => id !== undefined).length,
        listed: check.listed,
        completed: check.completed,
        lost: check.lost.length,
        wrong: check.wrong.length,
      },
      drainAfterLastAnswerMs: check.drainMs,
      runsPerSecondEndToEnd: (check.completed / (load.durationMs + check.drainMs)) * 1000,
    };
    const f = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
    const markdown = [
      `Measured ${row.date.slice(0, 10)} — weft: ${target}, Node ${row.node}, ${row.platform}, ${row.cpus} CPUs (${row.cpu}), load average at start ${row.loadAverage?.toFixed(2)}.`,
      '',
      '| mode | invocations | concurrent | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx / errors | completed | lost | wrong | drain after last answer ms | runs/s end to end |',
      '| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
      `| ${row.mode} | ${total} | ${concurrency} | ${f(row.requestsPerSecond)} | ${f(row.latencyMs.p50)} | ${f(row.latencyMs.p90)} | ${f(row.latencyMs.p99)} | ${f(row.latencyMs.max)} | ${Object.values(load.failures).reduce((a, b) => a + b, 0)} | ${check.completed} | ${check.lost.length} | ${check.wrong.length} | ${f(check.drainMs)} | ${f(row.runsPerSecondEndToEnd)} |`,
    ].join('\n');
    console.log(markdown);
    if (Object.keys(load.failures).length > 0) console.log('failures:', load.failures);
    if (check.lost.length > 0 || check.wrong.length > 0) console.log('lost:', check.lost.slice(0, 10), 'wrong:', check.wrong.slice(0, 10));
    if (!args.includes('--no-write')) {
      const results = new URL('./results/', import.meta.url);
      mkdirSync(results, { recursive: true });
      const suffix = `-node${process.versions.node.split('.')[0]}${wait ? '-wait' : ''}`;
      writeFileSync(new URL(`load${suffix}.json`, results), `${JSON.stringify({ ...row, lost: check.lost, wrong: check.wrong }, null, 2)}\n`);
      writeFileSync(new URL(`load${suffix}.md`, results), `${markdown}\n`);
    }
    if (unaccounted !== 0) console.log(`${unaccounted} runs listed that no answer named (negative: answered but not listed)`);
    if (check.lost.length + check.wrong.length + warmCheck.lost.length + warmCheck.wrong.length > 0 || check.completed !== total || unaccounted !== 0)
      process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
