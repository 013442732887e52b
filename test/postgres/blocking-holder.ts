// The child process of the lease-renewal test: `node blocking-holder.mjs <url> <schema> <lease ms> <marker file>`.
// It drives one run of `steps` over Postgres; in superstep 2 the handler blocks the event loop (a busy loop, no await)
// for at least `lease / 3 + 300` ms (past the renewal due in that time) and until the parent creates the marker file
// (once it tried to take the run over meanwhile), at most `lease / 2` ms (well inside the lease). It reports, as JSON
// lines: the run id, the start and end of the block, and the run's end.
import { existsSync } from 'node:fs';
import { createRuntime } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { reportLine } from '../support/report-line.js';
import { stepsWorkflow } from './steps-workflow.js';

/** A line the child reports. */
export type HolderReport =
  | { readonly type: 'invoked'; readonly runId: string }
  | { readonly type: 'blocking' }
  | { readonly type: 'unblocked'; readonly blockedMs: number; readonly marker: boolean }
  | { readonly type: 'ended'; readonly status: string; readonly outputs: readonly unknown[] };

const [url, schema, lease, marker] = process.argv.slice(2);
if (url === undefined || schema === undefined || lease === undefined || marker === undefined)
  throw new Error('usage: blocking-holder.mjs <url> <schema> <lease ms> <marker file>');
const leaseMs = Number(lease);

/** Blocks the event loop until the marker exists (and lease / 3 + 300 ms passed), or lease / 2 ms passed. */
function block(): void {
  reportLine({ type: 'blocking' });
  const started = Date.now();
  let seen = false;
  for (;;) {
    const elapsed = Date.now() - started;
    seen ||= existsSync(marker as string);
    if (elapsed >= leaseMs / 2 || (elapsed >= leaseMs / 3 + 300 && seen)) break;
  }
  reportLine({ type: 'unblocked', blockedMs: Date.now() - started, marker: seen });
}

const steps = stepsWorkflow((superstep) => superstep === 2 && block());

const store = new PostgresRunStore({ connectionString: url, schema });
const runtime = createRuntime({ workflows: { steps }, store, leaseMs });
const { runId } = await runtime.invoke('steps', 1);
reportLine({ type: 'invoked', runId });
runtime.events(runId).subscribe({
  complete: () =>
    void (async () => {
      const record = await runtime.getRun(runId);
      reportLine({ type: 'ended', status: record?.status, outputs: record?.outputs });
      await runtime.close();
      await store.close();
    })(),
});
