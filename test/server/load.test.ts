// bench/load.ts on a small size: 100 concurrent invocations over HTTP against a server on the SQLite store, and
// every run reaches its terminal status with the right output, none lost. No timing here (bench/load.ts measures).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as weft from 'weft';
import { openSqliteRunStore } from 'weft/sqlite';
import { invokeMany, loadWorkflow, verifyRuns } from '../../bench/load.js';
import { start } from './helpers.js';

const directory = mkdtempSync(join(tmpdir(), 'weft-load-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('load (small)', () => {
  it.each([false, true])('100 invocations, 20 at a time (wait: %s): every run completes, none is lost', async (wait) => {
    const store = openSqliteRunStore(join(directory, `load-${wait}.db`));
    const served = await start({ store, workflows: { ticket: loadWorkflow(weft) } });
    try {
      const load = await invokeMany(served.url, { total: 100, concurrency: 20, wait });
      expect(load.failures).toEqual({});
      expect(load.runIds.filter((id) => id !== undefined)).toHaveLength(100);
      const check = await verifyRuns(served.url, load.runIds);
      expect(check).toMatchObject({ listed: 100, completed: 100, lost: [], wrong: [] });
    } finally {
      await served.close();
      store.close();
    }
  });
});
