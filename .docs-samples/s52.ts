import { createClient } from 'weft/client';
import type { triage } from './workflows.js';          // a type import: no workflow code reaches the client

const client = createClient<{ triage: typeof triage }>({
  baseUrl: 'http://127.0.0.1:8787',
  headers: () => ({ authorization: `Bearer ${token()}` }),   // or a plain object; called for every request
});

const { runId } = await client.workflows.invoke('triage', { title: 'Printer on fire', body: '…' });
const { run } = await client.workflows.invoke('triage', ticket, { wait: 'result' });
run.outputs;                                           // typed by the workflow's `output` schema

for await (const event of client.runs.events(runId)) {  // also an RxJS Observable: client.runs.events(id).pipe(…)
  if (event.type === 'request.created') await client.runs.respond(runId, event.request.id, { approved: true });
}

await client.runs.get(runId);
await client.runs.list({ workflow: 'triage', status: 'waiting', limit: 20 });
await client.runs.cancel(runId);
await client.workflows.list();