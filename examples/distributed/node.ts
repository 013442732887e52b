/**
 * One weft process ("node") over a shared Postgres. Start several, on one machine or many:
 *
 *   DATABASE_URL=postgres://… npx tsx examples/distributed/node.ts author  "durable workflows"
 *   DATABASE_URL=postgres://… npx tsx examples/distributed/node.ts reviewer
 *
 * The author starts a run and follows its events live until it ends, wherever it is driven. The reviewer finds the
 * runs that wait for a review, answers them, and so drives them to their end in its own process. Each prints one line
 * per event, prefixed with its role.
 */
import { createRuntime, type RunRecord } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { publishing } from './workflow.js';

const [role, topic] = process.argv.slice(2);
const connectionString = process.env['DATABASE_URL'];
if (connectionString === undefined || connectionString === '')
  throw new Error('Set DATABASE_URL to a Postgres URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres.');
if (role !== 'author' && role !== 'reviewer') throw new Error('usage: node.ts author <topic> | node.ts reviewer');

// Every process opens the same store: the tables are created by whichever comes first (the others wait for it).
const store = new PostgresRunStore({ connectionString });
const runtime = createRuntime({ workflows: { publishing: publishing() }, store });
// Runs a process left running when it stopped continue here.
await runtime.recover();
const say = (line: string): void => console.log(`[${role} ${process.pid}] ${line}`);

if (role === 'author') {
  const { runId } = await runtime.invoke('publishing', topic ?? 'weft');
  say(`started run ${runId}`);
  // Live, even while another process drives it: the store tells this one of every change (LISTEN/NOTIFY).
  await runtime.events(runId).forEach((event) => {
    if (event.path.length === 0) say(`#${event.seq} ${event.type}`);
  });
  const record = (await runtime.getRun(runId)) as RunRecord;
  say(`run ${record.status}: ${JSON.stringify(record.outputs)}`);
} else {
  // Waits until a run asks for a review, answers it, and follows it to its end.
  let answered: string | undefined;
  for (let attempt = 0; answered === undefined && attempt < 600; attempt++) {
    const { runs } = await runtime.listRuns({ workflow: 'publishing', status: 'waiting', limit: 1 });
    const run = runs[0];
    if (run === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    const record = (await runtime.getRun(run.id)) as RunRecord;
    const request = record.pendingRequests[0] as { id: string };
    say(`answering run ${run.id}`);
    await runtime.respond(run.id, request.id, { approved: true, reviewer: `node ${process.pid}` });
    answered = run.id;
  }
  if (answered === undefined) throw new Error('no run asked for a review within a minute');
  await runtime.events(answered).forEach((event) => {
    if (event.path.length === 0 && event.type.startsWith('run.')) say(`#${event.seq} ${event.type}`);
  });
  say(`run ${(await runtime.getRun(answered))?.status}`);
}

await runtime.close();
await store.close();
