import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointError } from 'weft';
import { SqliteCheckpointStore, openSqlite } from 'weft/sqlite';
import { describeCheckpointStore } from 'weft/testing';
import { afterEach, describe, expect, it } from 'vitest';

const directories: string[] = [];
const freshFile = (): string => {
  const directory = mkdtempSync(join(tmpdir(), 'weft-sqlite-'));
  directories.push(directory);
  return join(directory, 'weft.db');
};

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describeCheckpointStore('SqliteCheckpointStore', {
  create: () => new SqliteCheckpointStore({ path: freshFile() }),
  reopen: (store) => {
    store.close();
    return new SqliteCheckpointStore({ path: store.database.name });
  },
  dispose: (store) => store.close(),
});

describe('SqliteCheckpointStore', () => {
  const checkpoint = { id: 'c1', runId: 'r1', parentId: null, workflow: 'w', superstep: 0, createdAt: 1, kind: 'full', data: '{}' } as const;

  it('opens its file in WAL mode with synchronous = NORMAL', () => {
    const store = new SqliteCheckpointStore({ path: freshFile() });
    try {
      expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    } finally {
      store.close();
    }
  });

  it('keeps everything in the one file it was given', async () => {
    const path = freshFile();
    const store = new SqliteCheckpointStore({ path });
    await store.save(checkpoint);
    store.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT id, run_id, superstep FROM checkpoints').all()).toEqual([{ id: 'c1', run_id: 'r1', superstep: 0 }]);
      expect(raw.prepare('SELECT name, version FROM weft_meta ORDER BY name').all()).toEqual([
        { name: 'checkpoints', version: 1 },
        { name: 'invocations', version: 1 },
      ]);
      const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkpoints' AND sql IS NOT NULL").all();
      expect(indexes).toEqual([{ name: 'checkpoints_by_run' }]);
    } finally {
      raw.close();
    }
  });

  it('uses a database passed in and leaves it open on close', async () => {
    const database = openSqlite(freshFile());
    try {
      expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
      const store = new SqliteCheckpointStore({ database });
      await store.save(checkpoint);
      store.close();

      expect(database.open).toBe(true);
      expect(await new SqliteCheckpointStore({ database }).get('c1')).toStrictEqual(checkpoint);
    } finally {
      database.close();
    }
  });

  it('closes a database it opened, once, however often close is called', () => {
    const store = new SqliteCheckpointStore({ path: freshFile() });
    store.close();
    store.close();
    expect(store.database.open).toBe(false);
  });

  it('works in memory', async () => {
    const store = new SqliteCheckpointStore({ path: ':memory:' });
    await store.save(checkpoint);
    expect(await store.latest('r1')).toStrictEqual(checkpoint);
    store.close();
  });

  it('refuses a file written by a newer weft, naming the fix', () => {
    const path = freshFile();
    new SqliteCheckpointStore({ path }).close();
    const raw = new Database(path);
    raw.prepare("UPDATE weft_meta SET version = 99 WHERE name = 'checkpoints'").run();
    raw.close();

    let thrown: unknown;
    try {
      new SqliteCheckpointStore({ path });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CheckpointError);
    expect(thrown).toMatchObject({ code: 'checkpoint_invalid', reason: 'future_version' });
    expect((thrown as Error).message).toMatch(/schema version 99.*Upgrade weft/);
  });
});
