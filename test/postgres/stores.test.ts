// The store contract suites, and what is Postgres' own: migrations, options, the pool.
import pg from 'pg';
import { CheckpointError } from 'weft';
import { PostgresCheckpointStore, PostgresRunStore } from 'weft/postgres';
import { describeCheckpointStore, describeRunStore } from 'weft/testing';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, freshOptions, postgresUrl } from '../support/postgres-inject.js';
import { runningRecord } from '../support/run-record.js';

const pools: pg.Pool[] = [];

afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

describePostgres('weft/postgres', () => {
  describeCheckpointStore('PostgresCheckpointStore', {
    create: () => new PostgresCheckpointStore(freshOptions()),
    reopen: async (store) => {
      await store.close();
      return new PostgresCheckpointStore({ connectionString: postgresUrl() as string, schema: store.schema });
    },
    dispose: (store) => store.close(),
  });

  describeRunStore('PostgresRunStore', {
    create: () => new PostgresRunStore(freshOptions()),
    reopen: async (store) => {
      await store.close();
      return new PostgresRunStore({ connectionString: postgresUrl() as string, schema: store.schema });
    },
    dispose: (store) => store.close(),
  });

  const sharedPool = (): pg.Pool => {
    const pool = new pg.Pool({ connectionString: postgresUrl() as string });
    pools.push(pool);
    return pool;
  };

  it('migrates from many stores at once, in one schema, recording each part once', async () => {
    const { schema } = freshOptions();
    const stores = Array.from({ length: 8 }, () => new PostgresRunStore({ connectionString: postgresUrl() as string, schema }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const { rows } = await sharedPool().query(`SELECT name, version FROM "${schema}".weft_meta ORDER BY name`);
      expect(rows).toEqual([
        { name: 'checkpoints', version: 2 },
        { name: 'runs', version: 2 },
      ]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a schema written by a newer weft, naming the fix', async () => {
    const options = freshOptions();
    const first = new PostgresCheckpointStore(options);
    await first.migrate();
    await first.close();
    await sharedPool().query(`UPDATE "${options.schema}".weft_meta SET version = 99 WHERE name = 'checkpoints'`);

    const store = new PostgresCheckpointStore(options);
    try {
      const thrown = await store.get('c1').catch((error: unknown) => error);
      expect(thrown).toBeInstanceOf(CheckpointError);
      expect(thrown).toMatchObject({ code: 'checkpoint_invalid', reason: 'future_version' });
      expect((thrown as Error).message).toMatch(/schema version 99.*Upgrade weft/);
    } finally {
      await store.close();
    }
  });

  it('uses a pool passed in and leaves it open on close', async () => {
    const pool = sharedPool();
    const { schema } = freshOptions();
    const store = new PostgresRunStore({ pool, schema });
    await store.createRun(runningRecord('r1'));
    await store.close();
    await store.close();

    const { rows } = await pool.query(`SELECT id FROM "${schema}".runs`);
    expect(rows).toEqual([{ id: 'r1' }]);
  });

  it('renews a lease while every connection of its pool is taken (a busy node): renewals have a pool of their own', async () => {
    const store = new PostgresRunStore(freshOptions());
    const lease = { owner: 'node-a', now: Date.now(), ttlMs: 3_000 };
    await store.createRun(runningRecord('busy'), lease);
    // Every connection of the store's pool checked out, as reads and commits of many runs hold them under load.
    const held = await Promise.all(Array.from({ length: store.pool.options.max ?? 10 }, () => store.pool.connect()));
    try {
      expect(store.pool.waitingCount).toBe(0);
      const renewed = await store.renewLease(
        { runId: 'busy', owner: 'node-a', token: 1, expiresAt: lease.now + 3_000 },
        { now: lease.now + 1_000, ttlMs: 3_000 },
      );
      expect(renewed?.lease).toEqual({ runId: 'busy', owner: 'node-a', token: 1, expiresAt: lease.now + 4_000 });
    } finally {
      for (const client of held) client.release();
      await store.close();
    }
  });

  it('keeps schemas apart', async () => {
    const url = postgresUrl() as string;
    const a = new PostgresCheckpointStore(freshOptions());
    const b = new PostgresCheckpointStore({ connectionString: url, schema: 'weft "quoted" schema' });
    try {
      await a.save({ id: 'c1', runId: 'r1', parentId: null, workflow: 'w', superstep: 0, createdAt: 1, kind: 'full', data: '{}' });
      expect(await b.get('c1')).toBeUndefined();
      expect(await a.get('c1')).toMatchObject({ id: 'c1' });
    } finally {
      await a.close();
      await b.close();
      await sharedPool().query('DROP SCHEMA "weft ""quoted"" schema" CASCADE');
    }
  });

  it('refuses bad options with a TypeError naming the fix', () => {
    const url = postgresUrl() as string;
    expect(() => new PostgresRunStore(undefined as never)).toThrow(/pass \{ connectionString: 'postgres:\/\/…' \} or \{ pool \}/);
    expect(() => new PostgresRunStore({} as never)).toThrow(/connectionString: 'postgres:\/\/user@host:5432\/database'/);
    expect(() => new PostgresRunStore({ connectionString: url, pool: sharedPool() } as never)).toThrow(/either connectionString or pool/);
    expect(() => new PostgresRunStore({ pool: {} as pg.Pool })).toThrow(/pool must be a pg.Pool/);
    expect(() => new PostgresCheckpointStore({ connectionString: url, schema: '' })).toThrow(/schema must be a non-empty string/);
    expect(() => new PostgresRunStore({ connectionString: url, pollInterval: 0 })).toThrow(
      /pollInterval must be a number of milliseconds, at least 10/,
    );
  });

  it('keeps invocation records: replaced by id, listed by superstep, deleted through a superstep and with the run', async () => {
    const store = new PostgresCheckpointStore(freshOptions());
    try {
      const record = (invocationId: string, superstep: number, runId = 'run-a') => ({
        runId,
        superstep,
        invocationId,
        data: JSON.stringify({ invocationId, superstep }),
      });
      await Promise.all([record('i1', 1), record('i2', 1), record('i3', 2), record('i1', 1, 'run-b')].map((r) => store.saveInvocation(r)));
      await store.saveInvocation({ ...record('i2', 1), data: '"again"' });
      expect(await store.listInvocations('run-a', 1)).toStrictEqual([record('i1', 1), { ...record('i2', 1), data: '"again"' }]);
      expect(await store.listInvocations('run-a', 2)).toStrictEqual([record('i3', 2)]);
      expect(await store.listInvocations('run-a', 3)).toStrictEqual([]);

      await store.deleteInvocations('run-a', 1);
      expect(await store.listInvocations('run-a', 1)).toStrictEqual([]);
      expect(await store.listInvocations('run-a', 2)).toStrictEqual([record('i3', 2)]);
      expect(await store.listInvocations('run-b', 1)).toStrictEqual([record('i1', 1, 'run-b')]);

      await store.deleteRun('run-a');
      expect(await store.listInvocations('run-a', 2)).toStrictEqual([]);
      expect(await store.listInvocations('run-b', 1)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('migrates a version-1 schema to the current one, keeping its checkpoints', async () => {
    const options = freshOptions();
    const raw = sharedPool();
    // A schema as the first release left it: checkpoints at version 1, no invocations table.
    await raw.query(`CREATE SCHEMA "${options.schema}"`);
    await raw.query(`CREATE TABLE "${options.schema}".weft_meta (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)`);
    await raw.query(`INSERT INTO "${options.schema}".weft_meta VALUES ('checkpoints', 1)`);
    await raw.query(`CREATE TABLE "${options.schema}".checkpoints (id TEXT PRIMARY KEY NOT NULL, run_id TEXT NOT NULL, parent_id TEXT, workflow TEXT NOT NULL, superstep INTEGER NOT NULL,
      created_at BIGINT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL, position BIGSERIAL NOT NULL)`);
    await raw.query(
      `INSERT INTO "${options.schema}".checkpoints (id, run_id, workflow, superstep, created_at, kind, data) VALUES ('c1', 'r1', 'w', 0, 1, 'full', '{}')`,
    );

    const store = new PostgresCheckpointStore(options);
    try {
      expect(await store.get('c1')).toMatchObject({ id: 'c1', runId: 'r1' });
      await store.saveInvocation({ runId: 'r1', superstep: 1, invocationId: 'i1', data: '{}' });
      expect(await store.listInvocations('r1', 1)).toHaveLength(1);
      const { rows } = await raw.query(`SELECT version FROM "${options.schema}".weft_meta WHERE name = 'checkpoints'`);
      expect(rows).toEqual([{ version: 2 }]);
    } finally {
      await store.close();
    }
  });

  it('goes on after the server ends its idle connections (the pool it owns drops them)', async () => {
    const options = freshOptions();
    const name = `weft_idle_${process.pid}`;
    const store = new PostgresRunStore({ ...options, connectionString: `${options.connectionString}?application_name=${name}` });
    try {
      expect(await store.getRun('nope')).toBeUndefined();
      const { rows } = await sharedPool().query<{ ended: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      expect(rows.length).toBeGreaterThan(0);
      // The pool hears of it, drops the broken connections (its 'error' events heard), and opens new ones when asked.
      const started = Date.now();
      while (store.pool.totalCount > 0 && Date.now() - started < 15_000) await new Promise((resolve) => setImmediate(resolve));
      expect(store.pool.totalCount).toBe(0);
      expect(await store.getRun('nope')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
