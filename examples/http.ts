/**
 * A workflow served over HTTP and driven by the typed client: invoke, follow the events, answer the request the
 * run waits on, read the result.
 *
 *   npx tsx examples/http.ts
 *
 * The server (weft/server) is a Hono app on a runtime; `refund` is reachable only with the bearer token (its
 * `route` and `runs` policies), and every other workflow of the runtime would answer 404. The client
 * (weft/client) gets the workflow's type only, so `invoke` checks the input and the run's outputs are typed.
 */
import { bearerAuth } from 'hono/bearer-auth';
import { z } from 'zod';
import { createRuntime, executor, MemoryRunStore, WorkflowBuilder } from 'weft';
import { createClient, WeftHttpError } from 'weft/client';
import { createApp, serve } from 'weft/server';

const refundSchema = z.object({ orderId: z.string(), amount: z.number().positive() });

const approver = executor({
  id: 'approver',
  input: refundSchema,
  response: z.object({ approved: z.boolean(), by: z.string() }),
  initialState: { refund: null as z.infer<typeof refundSchema> | null },
  handle: (refund, ctx) => {
    ctx.setState((state) => {
      state.refund = refund;
    });
    ctx.request({ question: `Refund $${refund.amount} for ${refund.orderId}?` });
  },
  onResponse: (answer, _request, ctx) => ctx.output(`${ctx.state.refund?.orderId}: ${answer.approved ? 'refunded' : 'refused'} by ${answer.by}`),
});
const refund = new WorkflowBuilder({ name: 'refund', start: approver, output: z.string() }).build();

// The server: a runtime over a run store (weft/sqlite's openSqliteRunStore keeps runs across restarts).
const token = 'example-token';
const runtime = createRuntime({ workflows: { refund }, store: new MemoryRunStore() });
const staff = bearerAuth({ token });
const server = await serve(createApp({ runtime, expose: { refund: { route: staff, runs: staff } } }));
console.log(`serving on ${server.url}`);

try {
  // The client: only the workflow's type crosses over.
  const anonymous = createClient<{ refund: typeof refund }>({ baseUrl: server.url });
  const refused = await anonymous.workflows.invoke('refund', { orderId: 'A-1', amount: 20 }).catch((error: unknown) => error);
  console.log(`without the token: ${refused instanceof WeftHttpError ? refused.status : 'accepted?!'}`);

  const client = createClient<{ refund: typeof refund }>({ baseUrl: server.url, headers: { authorization: `Bearer ${token}` } });
  const invalid = await client.workflows.invoke('refund', { orderId: 'A-1', amount: -5 }).catch((error: unknown) => error);
  if (invalid instanceof WeftHttpError)
    console.log(`a negative amount: ${invalid.status} ${invalid.code} at ${invalid.issues.map((issue) => issue.path.join('.')).join(', ')}`);

  const { runId } = await client.workflows.invoke('refund', { orderId: 'A-1', amount: 20 });
  for await (const event of client.runs.events(runId)) {
    console.log(`  ${event.seq} ${event.type}`);
    if (event.type === 'request.created') await client.runs.respond(runId, event.request.id, { approved: true, by: 'dana' });
  }
  const run = await client.runs.get(runId);
  const outputs: readonly string[] = run.outputs; // typed by the workflow's output schema
  console.log(`run ${run.status}: ${outputs.join(', ')}`);
  if (run.status !== 'completed' || outputs[0] !== 'A-1: refunded by dana') process.exitCode = 1;
} finally {
  await server.close();
  await runtime.close();
}
