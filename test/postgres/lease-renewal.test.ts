// A holder whose event loop is blocked for longer than the renewal interval (a third of the lease) but shorter than
// the lease keeps its run: the renewal that was due goes out once the loop is free, before the lease expires, and
// another node that tries to take the run over meanwhile gets nothing. The holder is a child process (its block must
// not block this one), over the run's real Postgres.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, type SerializedEvent } from 'weft';
import { PostgresRunStore } from 'weft/postgres';
import { afterAll, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { describePostgres, freshOptions } from '../support/postgres-inject.js';
import { runReporting } from '../support/reporting-child.js';
import type { HolderReport } from './blocking-holder.js';
import { stepsWorkflow } from './steps-workflow.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'weft-lease-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  rmSync(directory, { recursive: true, force: true });
});

describePostgres('lease renewal on a blocked event loop (Postgres)', () => {
  it('a holder blocked for longer than the renewal interval but shorter than the lease keeps its run', { timeout: 300_000 }, async () => {
    const leaseMs = 6_000; // renewed every 2 s; the child blocks 2.3–3 s
    const options = freshOptions();
    const store = new PostgresRunStore(options);
    closers.push(() => store.close());
    // Another node, polling for runs to take over (its own clock: the lease has not expired for it either).
    const other = createRuntime({ workflows: { steps: stepsWorkflow() }, store, leaseMs });
    closers.push(() => other.close());
    const marker = join(directory, 'tried');
    const taken: string[] = [];
    let tries = 0;
    let unblocked = false;
    let trying: Promise<void> | undefined;
    const tryToTakeOver = async (): Promise<void> => {
      // At least one recover() wholly inside the block, then as many as fit (bounded), then tell the child.
      for (let round = 0; round < 20_000 && !unblocked; round++) {
        taken.push(...(await other.recover()));
        tries += 1;
        if (round === 0) writeFileSync(marker, '');
      }
      taken.push(...(await other.recover())); // and once more as the holder wakes, before its renewal lands
    };

    const child = await runReporting<HolderReport>(
      await compiled(new URL('./blocking-holder.ts', import.meta.url).href),
      [options.connectionString, options.schema, String(leaseMs), marker],
      root,
      (report) => {
        if (report.type === 'blocking') trying = tryToTakeOver();
        if (report.type === 'unblocked') unblocked = true;
        return false;
      },
    );
    await trying;
    expect(taken).toEqual([]); // the lease held: no recover() took the run
    expect(child.code, child.stderr).toBe(0);
    const blocked = child.reports.find((report) => report.type === 'unblocked') as Extract<HolderReport, { type: 'unblocked' }>;
    expect(blocked.marker).toBe(true); // the other node tried while the holder was blocked
    expect(blocked.blockedMs).toBeGreaterThan(leaseMs / 3);
    expect(blocked.blockedMs).toBeLessThan(leaseMs);
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(child.reports.at(-1)).toEqual({ type: 'ended', status: 'completed', outputs: [1, 2, 3, 4] });
    const runId = (child.reports.find((report) => report.type === 'invoked') as { runId: string }).runId;
    const events: readonly SerializedEvent[] = await store.readEvents(runId);
    // One activation from start to end: no takeover, no resume, seq 0..n.
    expect(
      events.filter((event) => event.path.length === 0 && (event.type === 'run.started' || event.type === 'run.resumed')).map((e) => e.type),
    ).toEqual(['run.started']);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  });
});
