// How late a follower on another node sees a run's events: node A drives runs of a step that loops on itself, node B
// (its own store and pool on the same database) follows each with runtime.events(). For every event, the delay is
// its arrival on B minus its arrival on a follower on A (which gets it as soon as A has stored it): the cost of
// crossing nodes through LISTEN/NOTIFY. The fallback poll bounds the delay by its interval when a notification is lost.
//
//   npx tsx bench/postgres-latency.ts [--runs=30] [--steps=10]
//   WEFT_POSTGRES_URL=postgres://… npx tsx bench/postgres-latency.ts
import { performance } from 'node:perf_hooks';
import { lastValueFrom, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import { WorkflowBuilder, createRuntime, executor, type SerializedEvent } from '../src/index.js';
import { PostgresRunStore } from '../src/postgres/index.js';
import { freshSchema } from '../test/support/postgres.js';
import { git, machine } from './environment.js';
import { benchPostgres, percentile, round } from './postgres-server.js';

const option = (name: string, fallback: number): number => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${given}.`);
  return value;
};
const runs = option('runs', 30);
const steps = option('steps', 10);

/** `step` loops on itself `n` times, yielding to the event loop so followers interleave with the run. */
function loop() {
  const step = executor({
    id: 'step',
    input: z.number().int().positive(),
    output: z.number().int().positive(),
    handle: async (remaining, ctx) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      ctx.output(remaining);
      if (remaining > 1) ctx.send(remaining - 1);
    },
  });
  return new WorkflowBuilder({ name: 'loop', start: step }).addEdge(step, step).build();
}

/** Records when each event (by seq) arrives, and how long after the engine emitted it (its `at`, ms resolution). */
const arrivals = (events: Observable<SerializedEvent>, into: Map<number, number>, sinceEmitted: Map<number, number>): Promise<unknown> =>
  lastValueFrom(
    events.pipe(
      tap((event) => {
        into.set(event.seq, performance.now());
        sinceEmitted.set(event.seq, Date.now() - event.at);
      }),
    ),
    { defaultValue: undefined },
  );

const postgres = await benchPostgres();
try {
  const schema = freshSchema();
  const storeA = new PostgresRunStore({ connectionString: postgres.url, schema });
  const storeB = new PostgresRunStore({ connectionString: postgres.url, schema });
  await storeA.migrate();
  const workflows = { loop: loop() };
  const nodeA = createRuntime({ workflows, store: storeA });
  const nodeB = createRuntime({ workflows, store: storeB });
  const delays: number[] = [];
  const emittedToA: number[] = [];
  const emittedToB: number[] = [];
  let events = 0;
  for (let run = 0; run < runs; run++) {
    const { runId } = await nodeA.invoke('loop', steps);
    const onA = new Map<number, number>();
    const onB = new Map<number, number>();
    const sinceA = new Map<number, number>();
    const sinceB = new Map<number, number>();
    await Promise.all([arrivals(nodeA.events(runId), onA, sinceA), arrivals(nodeB.events(runId), onB, sinceB)]);
    for (const [seq, atA] of onA) {
      const atB = onB.get(seq);
      if (atB === undefined) throw new Error(`node B missed event ${seq} of run ${runId}`);
      // The first events of a run may be stored before B subscribes: those measure nothing.
      if (run > 0 && seq > 2) {
        delays.push(atB - atA);
        emittedToA.push(sinceA.get(seq) as number);
        emittedToB.push(sinceB.get(seq) as number);
        events += 1;
      }
    }
    if (onB.size !== onA.size) throw new Error(`node B saw ${onB.size} events, node A ${onA.size}`);
  }
  await nodeA.close();
  await nodeB.close();
  await storeA.close();
  await storeB.close();
  const stats = (samples: readonly number[]) => ({
    p50: round(percentile(samples, 0.5)),
    p90: round(percentile(samples, 0.9)),
    p99: round(percentile(samples, 0.99)),
    max: round(Math.max(...samples)),
  });
  const result = {
    events,
    crossNodeMinusLocal: stats(delays),
    emittedToLocalFollower: stats(emittedToA),
    emittedToRemoteFollower: stats(emittedToB),
  };
  const line = (label: string, s: ReturnType<typeof stats>): void =>
    console.log(`${label}: p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms`);
  line('node B (other node) after node A (local follower)', result.crossNodeMinusLocal);
  line('emitted by the engine → local follower (stored first)', result.emittedToLocalFollower);
  line('emitted by the engine → follower on another node', result.emittedToRemoteFollower);
  console.log(`${events} events; the fallback poll bounds a lost notification's delay at 1000 ms`);
  console.log(
    JSON.stringify({ benchmark: 'postgres-latency', postgres: postgres.source, machine: machine(), commit: git(), runs, steps, result }, null, 2),
  );
} finally {
  await postgres.stop();
}
