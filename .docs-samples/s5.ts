import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemoryCheckpointStore } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';
import { describeCheckpointStore } from 'weft/testing';

describeCheckpointStore('MemoryCheckpointStore', { create: () => new MemoryCheckpointStore() });

describeCheckpointStore('SqliteCheckpointStore', {
  create: () => new SqliteCheckpointStore({ path: join(mkdtempSync(join(tmpdir(), 'weft-')), 'weft.db') }),
  reopen: (store) => {                      // close and open the same storage again, as a restart would
    store.close();
    return new SqliteCheckpointStore({ path: store.database.name });
  },
  dispose: (store) => {
    store.close();
    rmSync(dirname(store.database.name), { recursive: true, force: true });
  },
});