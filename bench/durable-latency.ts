// The latency of a 3-step durable workflow on Postgres, end to end: `runtime.invoke(…, { wait: true })` over a
// PostgresRunStore (the run, its events and a checkpoint per superstep stored), and `workflow.run()` with only a
// PostgresCheckpointStore. Compare with published figures: Restate about 50 ms for 3 durable steps, Temporal about
// 100 ms end to end.
//
//   npx tsx bench/durable-latency.ts [--runs=200] [--warmup=20]
//   WEFT_POSTGRES_URL=postgres://… npx tsx bench/durable-latency.ts    (a server of your own instead of a throwaway one)
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { WorkflowBuilder, createRuntime, executor, fromFunction } from '../src/index.js';
import { PostgresCheckpointStore, PostgresRunStore } from '../src/postgres/index.js';
import { freshSchema } from '../test/support/postgres.js';
import { git, machine } from './environment.js';
import { benchPostgres, percentile, round } from './postgres-server.js';

const option = (name: string, fallback: number): number => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${given}.`);
  return value;
};
const runs = option('runs', 200);
const warmup = option('warmup', 20);

/** a → b → c: three steps, each its own superstep, each checkpointed; c outputs the result. */
function threeSteps() {
  const a = fromFunction('a', (n: number) => n + 1, { input: z.number(), output: z.number() });
  const b = fromFunction('b', (n: number) => n * 2, { input: z.number(), output: z.number() });
  const c = executor({ id: 'c', input: z.number(), handle: (n, ctx) => ctx.output(`result ${n}`) });
  return new WorkflowBuilder({ name: 'three-steps', start: a, output: z.string() }).addEdge(a, b).addEdge(b, c).build();
}

async function measure(label: string, once: (index: number) => Promise<void>): Promise<Record<string, unknown>> {
  for (let index = 0; index < warmup; index++) await once(index);
  const samples: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await once(index);
    samples.push(performance.now() - started);
  }
  const result = {
    label,
    runs,
    p50: round(percentile(samples, 0.5)),
    p90: round(percentile(samples, 0.9)),
    p99: round(percentile(samples, 0.99)),
    max: round(Math.max(...samples)),
  };
  console.log(`${label}: p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms (${runs} runs)`);
  return result;
}

const postgres = await benchPostgres();
try {
  const workflow = threeSteps();
  const expected = 'result 4';

  const store = new PostgresRunStore({ connectionString: postgres.url, schema: freshSchema() });
  const runtime = createRuntime({ workflows: { threeSteps: workflow }, store });
  await store.migrate();
  const viaRuntime = await measure('createRuntime + PostgresRunStore, invoke(wait: true)', async () => {
    const { run: result } = await runtime.invoke('threeSteps', 1, { wait: true });
    if (result?.status !== 'completed' || result.outputs[0] !== expected) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  });
  await runtime.close();
  await store.close();

  const checkpoints = new PostgresCheckpointStore({ connectionString: postgres.url, schema: freshSchema() });
  await checkpoints.migrate();
  const viaRun = await measure('workflow.run + PostgresCheckpointStore', async () => {
    const result = await workflow.run(1, { checkpoints });
    if (result.outputs[0] !== expected) throw new Error(`unexpected outputs ${JSON.stringify(result.outputs)}`);
  });
  await checkpoints.close();

  console.log(
    JSON.stringify(
      { benchmark: 'durable-latency', postgres: postgres.source, machine: machine(), commit: git(), results: [viaRuntime, viaRun] },
      null,
      2,
    ),
  );
} finally {
  await postgres.stop();
}
