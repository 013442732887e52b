// A run whose handler takes its process down is recovered by the next process, which it takes down too. After
// three starts at the same superstep, recover() fails it instead of crash-looping, and the server stays up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, request, settledRun, startServer } from './process.js';

/** A lease that has expired by the time the next process starts: it takes the run over at once. */
const lease = { WEFT_TEST_LEASE_MS: '1000' };
const directory = mkdtempSync(join(tmpdir(), 'weft-crash-loop-'));
afterAll(() => {
  killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe('a run that takes every process down', { timeout: 240_000 }, () => {
  it('is failed by the third recovery instead of crash-looping; the server then stays alive', async () => {
    const file = join(directory, 'loop.db');
    const first = startServer(file, lease);
    const { url } = await first.listening;
    const { status, body } = await request(`${url}/workflows/hostile`, { json: { input: { kind: 'exit' } } });
    expect(status).toBe(202);
    const runId: string = body.runId;
    expect((await first.exited).code).toBe(70);

    // Each restart recovers the run at once, and the run takes it down again (before or after it listens).
    for (let restart = 0; restart < 2; restart++) expect((await startServer(file, lease).exited).code).toBe(70);

    const last = startServer(file, lease);
    const alive = await last.listening;
    try {
      // Its recover() on start, or the next one half a lease later (the dead process's lease may not have expired yet).
      const run = await settledRun(alive.url, runId, ['failed', 'completed']);
      expect(run.status).toBe('failed');
      expect(run.error).toMatchObject({ code: 'recovery_crash_loop' });
      expect(run.error.message).toMatch(/started 3 times at superstep 0 .* recover\(\) gave up on it/);
      // Still serving: another run completes.
      const fine = await request(`${alive.url}/workflows/hostile`, { json: { input: { kind: 'calm' }, wait: true } });
      expect(fine.body.run).toMatchObject({ status: 'completed', outputs: ['nothing hostile: calm'] });
    } finally {
      last.child.kill('SIGTERM');
      expect((await last.exited).code).toBe(0);
    }
  });
});
