import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointError, MemoryRunStore } from 'weft';
import { SqliteCheckpointStore, SqliteRunStore, openSqlite, openSqliteRunStore } from 'weft/sqlite';
import { describeRunStore } from 'weft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runningRecord } from '../support/run-record.js';

const directories: string[] = [];
const freshFile = (): string => {
  const directory = mkdtempSync(join(tmpdir(), 'weft-runs-'));
  directories.push(directory);
  return join(directory, 'weft.db');
};

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describeRunStore('MemoryRunStore', { create: () => new MemoryRunStore() });

describeRunStore('SqliteRunStore', {
  create: () => openSqliteRunStore(freshFile()),
  reopen: (store) => {
    store.close();
    return openSqliteRunStore(store.database.name);
  },
  dispose: (store) => store.close(),
});

describe('SqliteRunStore', () => {
  const record = runningRecord('r1');
  const checkpoint = { id: 'c1', runId: 'r1', parentId: null, workflow: 'w', superstep: 0, createdAt: 1, kind: 'full', data: '{}' } as const;

  it('keeps runs, events and checkpoints in the one file, opened in WAL mode', async () => {
    const path = freshFile();
    const store = openSqliteRunStore(path);
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.checkpoints).toBeInstanceOf(SqliteCheckpointStore);
    expect(store.checkpoints.database).toBe(store.database);
    await store.createRun(record);
    await store.appendEvents('r1', [{ type: 'custom', runId: 'r1', seq: 0, superstep: 0, path: [], at: 1, executorId: 'x', name: 'n', data: null }]);
    await store.checkpoints.save(checkpoint);
    store.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT id, workflow, status, input FROM runs').all()).toEqual([{ id: 'r1', workflow: 'w', status: 'running', input: '1' }]);
      expect(raw.prepare('SELECT run_id, seq FROM run_events').all()).toEqual([{ run_id: 'r1', seq: 0 }]);
      expect(raw.prepare('SELECT id FROM checkpoints').all()).toEqual([{ id: 'c1' }]);
      expect(raw.prepare('SELECT name, version FROM weft_meta ORDER BY name').all()).toEqual([
        { name: 'checkpoints', version: 1 },
        { name: 'invocations', version: 1 },
        { name: 'runs', version: 2 },
      ]);
      const indexes = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name")
        .all();
      expect(indexes).toEqual([
        { name: 'runs_by_created' },
        { name: 'runs_by_status' },
        { name: 'runs_by_workflow' },
        { name: 'runs_by_workflow_status' },
      ]);
    } finally {
      raw.close();
    }
  });

  it('lists through an index whatever the filter, never sorting in a temporary b-tree', async () => {
    const store = openSqliteRunStore(':memory:');
    try {
      for (const query of [{}, { workflow: 'w' }, { status: 'running' }, { workflow: 'w', status: 'running' }] as const) {
        for (const cursor of [undefined, '1:r1']) {
          const filters = [
            'workflow' in query ? 'workflow = ?' : '',
            'status' in query ? 'status = ?' : '',
            cursor === undefined ? '' : '(created_at, id) < (?, ?)',
          ].filter((term) => term !== '');
          const sql = `EXPLAIN QUERY PLAN SELECT * FROM runs ${filters.length === 0 ? '' : `WHERE ${filters.join(' AND ')}`} ORDER BY created_at DESC, id DESC LIMIT 10`;
          const args = [...Object.values(query), ...(cursor === undefined ? [] : [1, 'r1'])];
          const plan = (store.database.prepare(sql).all(...args) as { detail: string }[]).map((row) => row.detail).join('; ');
          expect(plan, sql).toMatch(/USING (COVERING )?INDEX runs_by/);
          expect(plan, sql).not.toMatch(/TEMP B-TREE/);
        }
      }
    } finally {
      store.close();
    }
  });

  it('shares a database passed in and leaves it open on close', async () => {
    const database = openSqlite(freshFile());
    try {
      const store = new SqliteRunStore({ database });
      await store.createRun(record);
      store.close();

      expect(database.open).toBe(true);
      const again = new SqliteRunStore({ database });
      expect(await again.getRun('r1')).toStrictEqual(record);
      // A checkpoint store opened separately on the same database sees the run store's checkpoints.
      await again.checkpoints.save(checkpoint);
      expect(await new SqliteCheckpointStore({ database }).get('c1')).toStrictEqual(checkpoint);
    } finally {
      database.close();
    }
  });

  it('opens a file that has only checkpoints, adding the run tables', async () => {
    const path = freshFile();
    const checkpoints = new SqliteCheckpointStore({ path });
    await checkpoints.save(checkpoint);
    checkpoints.close();

    const store = new SqliteRunStore({ path });
    try {
      expect(await store.checkpoints.get('c1')).toStrictEqual(checkpoint);
      await store.createRun(record);
      expect(await store.getRun('r1')).toStrictEqual(record);
    } finally {
      store.close();
    }
  });

  it('closes a database it opened, once, however often close is called', () => {
    const store = openSqliteRunStore(freshFile());
    store.close();
    store.close();
    expect(store.database.open).toBe(false);
  });

  it('refuses a file written by a newer weft, naming the fix', () => {
    const path = freshFile();
    openSqliteRunStore(path).close();
    const raw = new Database(path);
    raw.prepare("UPDATE weft_meta SET version = 99 WHERE name = 'runs'").run();
    raw.close();

    let thrown: unknown;
    try {
      openSqliteRunStore(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CheckpointError);
    expect(thrown).toMatchObject({ code: 'checkpoint_invalid', reason: 'future_version' });
    expect((thrown as Error).message).toMatch(/"runs" table .* schema version 99.*Upgrade weft/);
  });

  it('upgrades a file of schema version 1: its runs keep their fields and start without an owner', async () => {
    const path = freshFile();
    const raw = openSqlite(path);
    raw.exec(`
      CREATE TABLE weft_meta (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
      INSERT INTO weft_meta (name, version) VALUES ('runs', 1);
      CREATE TABLE runs (id TEXT PRIMARY KEY NOT NULL, workflow TEXT NOT NULL, status TEXT NOT NULL, input TEXT, outputs TEXT NOT NULL,
        pending_requests TEXT NOT NULL, error TEXT, checkpoint_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE run_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (run_id, seq));
      INSERT INTO runs VALUES ('r1', 'w', 'running', '1', '[]', '[]', NULL, NULL, 1, 1);
    `);
    raw.close();

    const store = openSqliteRunStore(path);
    try {
      expect(await store.getRun('r1')).toStrictEqual(record);
      expect(await store.claimRun('r1', { owner: 'me', now: 5, ttlMs: 10 })).toStrictEqual({
        lease: { runId: 'r1', owner: 'me', token: 1, expiresAt: 15 },
        responses: {},
        cancelRequested: false,
      });
      expect(store.database.prepare("SELECT version FROM weft_meta WHERE name = 'runs'").get()).toEqual({ version: 2 });
    } finally {
      store.close();
    }
  });
});
